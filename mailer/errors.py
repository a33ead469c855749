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
├── ``MailboxError``: a bounce or sent mailbox could not be reached, read or written.
│   Transient: the server may be back later.
└── ``DkimError`` (in ``mailer.dkim``): the DKIM key cannot be read or used; nothing goes
    out unsigned instead.
"""

from __future__ import annotations

from collections.abc import Callable


class MailerError(Exception):
    """``message`` is a template (marked with :func:`N_` where an operator reads it) filled in
    with ``params``; :meth:`retold` says it in the operator's language (the daemon's
    ``said``)."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: str | None = None,
        **params: object,
    ):
        self.code = code
        self.status = status
        self.template = message
        self.params = params
        super().__init__(self.retold())

    def retold(self, translate: Callable[[str], str] | None = None) -> str:
        template = translate(self.template) if translate is not None else self.template
        return template.format(**self.params) if self.params else template


class TransientMailError(MailerError):
    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        status: str | None = None,
        maybe_delivered: bool = False,
        **params: object,
    ):
        self.maybe_delivered = maybe_delivered
        super().__init__(message, code=code, status=status, **params)


class PermanentMailError(MailerError):
    pass


class MessageRefused(PermanentMailError):
    pass


def N_(message: str) -> str:
    """Marks ``message`` for the operator's catalog (``daemon/locale``); said as written here."""
    return message


class ArchiveError(MailerError):
    pass


class MailboxError(MailerError):
    """A bounce or sent mailbox could not be read or written. Transient by nature."""


# A failure to hand a message to the relay, as a delivery's event quotes it (stored in
# English; ``daemon.domain.event_words`` reads it back into the reader's language)
CANNOT_CONNECT = N_("cannot connect to {host}:{port}: {error}")
CONNECTION_LOST = N_("connection to the relay lost: {error}")
LOGIN_REFUSED = N_("SMTP login as {user} refused: {code} {said}")
NO_REPLY_AFTER_END = N_("no readable reply after the end of the message: {error}")
RELAY_FAILURES = (CANNOT_CONNECT, CONNECTION_LOST, LOGIN_REFUSED, NO_REPLY_AFTER_END)
