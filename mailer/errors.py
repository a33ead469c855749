"""The mailer's exception tree.

``MailerError``
├── ``TransientMailError``: a 4xx reply, a refused or dropped connection, a timeout;
│   the same message may be sent again later.
└── ``PermanentMailError``: a 5xx reply; sending the same message again will not help.
    └── ``MessageRefused``: refused before anything was sent (size, header injection,
        bad address, attachment mismatch).
``ArchiveError``: the archive cannot store or does not hold what it should.
"""

from __future__ import annotations


class MailerError(Exception):
    def __init__(self, message: str, *, code: int | None = None, status: str | None = None):
        self.code = code
        self.status = status
        super().__init__(message)


class TransientMailError(MailerError):
    pass


class PermanentMailError(MailerError):
    pass


class MessageRefused(PermanentMailError):
    pass


class ArchiveError(Exception):
    pass


class MailboxError(Exception):
    """A bounce or sent mailbox could not be read or written. Transient by nature."""
