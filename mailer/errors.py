"""The mailer's exception tree.

``MailerError``
├── ``TransientMailError``: a 4xx reply, a refused or dropped connection, a timeout, a
│   reply that is not SMTP; the same message may be sent again later. ``maybe_delivered``
│   says the message's end had been written (the relay may have taken it).
├── ``PermanentMailError``: a 5xx reply; sending the same message again will not help.
│   └── ``MessageRefused``: refused before anything was sent (size, header injection,
│       bad address, attachment mismatch).
├── ``ArchiveError``: the archive cannot store, or does not hold, what it should.
│   Permanent for that entry: a missing or altered copy does not come back by waiting.
└── ``MailboxError``: a bounce or sent mailbox could not be reached, read or written.
    Transient: the server may be back later.
"""

from __future__ import annotations


class MailerError(Exception):
    def __init__(self, message: str, *, code: int | None = None, status: str | None = None):
        self.code = code
        self.status = status
        super().__init__(message)


class TransientMailError(MailerError):
    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: str | None = None,
        maybe_delivered: bool = False,
    ):
        self.maybe_delivered = maybe_delivered
        super().__init__(message, code=code, status=status)


class PermanentMailError(MailerError):
    pass


class MessageRefused(PermanentMailError):
    """``template`` and ``params``, where given, say the refusal again for an operator: the
    daemon translates the template (marked with :func:`N_`) and fills it in."""

    def __init__(self, template: str, **params: object):
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)


def N_(message: str) -> str:
    """Marks ``message`` for the operator's catalog (``daemon/locale``); said as written here."""
    return message


class ArchiveError(MailerError):
    pass


class MailboxError(MailerError):
    """A bounce or sent mailbox could not be read or written. Transient by nature."""
