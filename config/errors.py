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
        self.also: tuple[ConfigError, ...] = ()
        """Further problems found with this one (each said after it, on the same line)."""
        self.template = message
        self.params = params
        self.translated = translated
        super().__init__(self.retold())

    def __str__(self) -> str:
        return self.retold()  # with the further problems, set after it was made

    def retold(self, translate: Callable[[str], str] = _as_written) -> str:
        """What is wrong, in the reader's language (``translate``): the file or variable,
        then each setting with its problem, the further ones (``also``) after the first."""
        message = self._with_key(translate)
        for more in self.also:  # the same file: each further problem by its setting
            message = translate(N_("{said}; {more}")).format(
                said=message, more=more._with_key(translate)
            )
        if self.source:  # as French writes it too (a space before the colon)
            message = translate(N_("{where}: {problem}")).format(where=self.source, problem=message)
        return message

    def _with_key(self, translate: Callable[[str], str]) -> str:
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
        if self.key:
            message = translate(N_("{where}: {problem}")).format(where=self.key, problem=message)
        return message
