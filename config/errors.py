"""The one exception of the config package."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def N_(message: str) -> str:
    """Marks ``message`` for the operator's catalog (``daemon/locale``); said as written here."""
    return message


def _as_written(message: str) -> str:
    return message


class ConfigError(Exception):
    """The configuration cannot be used. Permanent: fix the file or the environment.

    ``key`` is the dotted setting (``smtp.port``) and ``source`` the file or variable at fault.
    The message is a template (marked with :func:`N_`) filled in with ``params``; those named
    in ``translated`` are messages of their own. :meth:`retold` says it in the operator's
    language (the daemon's ``said``).
    """

    def __init__(
        self,
        message: str,
        *,
        key: str | None = None,
        source: Path | str | None = None,
        translated: tuple[str, ...] = (),
        **params: object,
    ):
        self.key = key
        self.source = str(source) if source is not None else None
        self.template = message
        self.params = params
        self.translated = translated
        super().__init__(self.retold())

    def retold(self, translate: Callable[[str], str] = _as_written) -> str:
        def said(value: object) -> object:
            if isinstance(value, str):
                return translate(value)
            if isinstance(value, tuple):  # (template, its values): a sentence of its own
                template, values = value
                return translate(template).format(**values)
            return value

        values = {
            name: said(value) if name in self.translated else value
            for name, value in self.params.items()
        }
        message = translate(self.template)
        if values:
            message = message.format(**values)
        # the file or variable, then the setting, then what is wrong: "{where}: {problem}",
        # as French writes it too (a space before the colon)
        for where in (self.key, self.source):
            if where:
                message = translate(N_("{where}: {problem}")).format(where=where, problem=message)
        return message
