"""The one exception of the config package."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """The configuration cannot be used. Permanent: fix the file or the environment.

    ``key`` is the dotted setting (``smtp.port``) and ``source`` the file or variable at fault.
    """

    def __init__(self, message: str, *, key: str | None = None, source: Path | str | None = None):
        self.key = key
        self.source = str(source) if source is not None else None
        where = []
        if self.source:
            where.append(self.source)
        if key:
            where.append(key)
        prefix = ": ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
