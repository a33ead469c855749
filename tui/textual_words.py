"""Textual's own key descriptions, marked here to be put in the operator's language.

The widgets this app uses (tables, inputs, menus, scrolling panes) and Textual's screens bring
their keys with English descriptions, shown in the keys panel beside ours. Each is listed
here for the catalog; ``tests/tui/test_tui.py`` says which a Textual upgrade added.
"""

from __future__ import annotations

from daemon.domain.i18n import N_

TEXTUAL_KEYS = (
    # DataTable
    N_("Select"),
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor right"),
    N_("Cursor left"),
    N_("Page up"),
    N_("Page down"),
    N_("Top"),
    N_("Bottom"),
    N_("Home"),
    N_("End"),
    # Screen and App
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
    N_("Quit"),
    # scrolling panes and the footer
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    # Input
    N_("Cut selected text"),
    N_("Paste text from the clipboard"),
    N_("Select all"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Submit"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Move cursor left"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Delete character left"),
    N_("Delete character right"),
    N_("Delete left to start of word"),
    N_("Delete right to start of word"),
    N_("Delete all to the left"),
    N_("Delete all to the right"),
    # Checkbox, Select and its menu
    N_("Toggle"),
    N_("Show menu"),
    N_("Dismiss menu"),
    N_("Up"),
    N_("Down"),
    N_("First"),
    N_("Last"),
)
