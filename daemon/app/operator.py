"""Who is acting: recorded with every action, from the CLI and the TUI alike."""

from __future__ import annotations

import getpass


def current_operator() -> str:
    """The login of the person at the keyboard ("unknown" where the system cannot say)."""
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
