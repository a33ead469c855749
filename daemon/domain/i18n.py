"""The operator's language for what the TUI and the CLI say: GNU gettext catalogs in
``daemon/locale`` (English is the source; ``fr/LC_MESSAGES/facturier.po`` the French).

The language is chosen once, at the entry point (the TUI's app, the CLI's callback), from
the ``[ui] language`` setting; ``_`` then answers in it. A message without a translation
is said in English, never left out. The catalog is kept with Babel::

    .venv/bin/pybabel extract -F daemon/locale/babel.cfg -k N_ --no-location --sort-output \
        --omit-header -o daemon/locale/facturier.pot .
    .venv/bin/pybabel update -i daemon/locale/facturier.pot -d daemon/locale -D facturier
    .venv/bin/pybabel compile -d daemon/locale -D facturier

``tests/unit/test_i18n.py`` fails when a message in the code is missing from the catalog,
untranslated, or when the compiled catalog is older than its source.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LOCALES = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "facturier"

_active: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def use(language: str) -> None:
    """Speak ``language`` (``fr``, ``en``) from now on."""
    global _active, _language
    _active = gettext.translation(DOMAIN, LOCALES, languages=[language], fallback=True)
    _language = language


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block, then the language spoken before. The language is
    the process's: the block must not await (another task would speak it too)."""
    global _active, _language
    before = (_active, _language)
    use(language)
    try:
        yield
    finally:
        _active, _language = before


def language() -> str:
    """The language spoken now (for amounts and dates formatted to go with the words)."""
    return _language


def _(message: str) -> str:
    """``message`` in the operator's language."""
    return _active.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _active.ngettext(singular, plural, count)


def joined(items: Iterable[str]) -> str:
    """Items of one list as the operator reads them: "a; b" in English, "a ; b" in French."""
    return _("; ").join(items)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog where it is defined; translated where it is shown."""
    return message


def form_pattern(template: str) -> re.Pattern[str]:
    """The pattern that reads a text written with ``template`` back into its fields (a text
    stored in English, shown in the reader's language)."""
    parts = re.split(r"\{(\w+)\}", template)
    seen: set[str] = set()
    pattern = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            pattern += re.escape(part)
        elif part in seen:  # a field the template says twice: the same text both times
            pattern += f"(?P={part})"
        else:
            seen.add(part)
            pattern += f"(?P<{part}>.*?)"
    return re.compile(pattern + "$", re.DOTALL)


def said(exc: BaseException) -> str:
    """What ``exc`` says, in the operator's language where it can be told again (the
    mailer's and the configuration's errors carry their template: ``retold``), else as it
    was raised."""
    retold = getattr(exc, "retold", None)
    if callable(retold):
        return str(retold(_))
    return str(exc)


@dataclass(frozen=True)
class Said:
    """A sentence kept as its English template (marked with :func:`N_`) and its values, for
    what a check finds: ``str()`` says it in English (the JSON output, a proof package's
    ``proof.json``), :meth:`shown` in the operator's language."""

    template: str
    params: dict[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, exc: BaseException) -> Said:
        """A raised error kept to be said again: one that carries its template (the
        mailer's, the configuration's: see :func:`said`) as that, any other as raised."""
        template = getattr(exc, "template", None)
        if isinstance(template, str):
            return cls(template, dict(getattr(exc, "params", None) or {}))
        return cls(str(exc))

    def __str__(self) -> str:
        return self.template.format(**self.params) if self.params else self.template

    def shown(self) -> str:
        said = _(self.template)
        if not self.params:
            return said
        return said.format(
            **{k: v.shown() if isinstance(v, Said) else v for k, v in self.params.items()}
        )


def say(template: str, **params: object) -> Said:
    return Said(template, params)
