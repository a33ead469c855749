"""The daemon's exception tree. Every error the daemon raises on purpose is under
``FacturierError``; the mailer's are under ``mailer.errors.MailerError`` and the
configuration's are ``config.ConfigError``. ``daemon.app.failures`` turns each into one line
for the operator.

``FacturierError``
├── ``TransientError``: try again later; nothing was changed.
│   ├── ``ComposeUnavailable`` (outbound.compose_workers): a compose worker died.
│   └── ``ClassifierUnavailable`` (inbound.classifier): the classifying process died.
├── ``PermanentError``: the input or request is wrong; retrying will not help.
│   ├── ``EInvoiceError``: a file is not an e-invoice we can read (names the file and why).
│   ├── ``NotFoundError``: no such invoice, customer or address (lists those close to it).
│   ├── ``ValidationError``: a value given by a user or a file is not acceptable.
│   │   └── ``AmbiguousError``: a name that fits several records (lists them).
│   ├── ``TransitionRefused`` (domain.states): a move the state machine does not allow.
│   ├── ``KeyFileError``: a key the installation keeps is damaged or not of its kind.
│   └── ``OverBudget`` (inbound.classifier): a message took too long to classify.
└── ``ComposeFailed`` (outbound.compose_workers): an unexpected error in a compose worker,
    with the worker's traceback; counted toward the delivery's poison limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.domain.i18n import Said, _, joined, ngettext

if TYPE_CHECKING:
    from daemon.domain.compliance import ComplianceReport

NEAR_SHOWN = 10
"""How many records close to a name that fits none are listed."""


class FacturierError(Exception):
    """Base of every error the daemon raises on purpose."""


class TransientError(FacturierError):
    """A temporary failure: the same call may succeed later."""


class PermanentError(FacturierError):
    """The request cannot succeed as given."""


class EInvoiceError(PermanentError):
    """``reason`` in the reader's language, ``english`` as the journal and stored events say
    it; ``report``: the compliance gate's, where its rules refused the invoice (its
    findings, to be stored and said again)."""

    def __init__(self, file: str, reason: Said | str, report: ComplianceReport | None = None):
        self.file = file
        self.said = reason if isinstance(reason, Said) else Said(reason)
        self.reason = self.said.shown() if isinstance(reason, Said) else reason
        self.report = report
        super().__init__(f"{file}: {self.reason}")

    @property
    def english(self) -> str:
        """Why, in English: a refusal by the gate's rules as ``finding_words`` stores it."""
        if self.report is not None:
            from daemon.domain.finding_words import refusal_text

            return refusal_text(self.report)
        return str(self.said)


class KeyFileError(PermanentError):
    """A key file of the installation's (the Ed25519 signing key) cannot be used: it is
    not replaced, since a new key would not verify what the old one signed."""


class NotFoundError(PermanentError):
    """Nothing is what was named. ``near``: records whose name or number holds what was
    typed ("Martin" for "Atelier Martin"), listed for the operator to pick, never picked."""

    def __init__(self, message: str, near: list[str] | None = None, count: int = 0):
        self.candidates = near or []
        if self.candidates:
            shown = joined(self.candidates)
            if count > len(self.candidates):
                shown += _("; and {count} more").format(count=count - len(self.candidates))
            message += ". " + _("Close to it: {shown}.").format(shown=shown)
        super().__init__(message)


class ValidationError(PermanentError):
    pass


class AmbiguousError(ValidationError):
    """A number or name that fits several records: refused, with the candidates and how to
    pick one, never guessed."""

    def __init__(self, what: str, candidates: list[str], pick: str):
        self.candidates = candidates
        shown = joined(candidates[:10])
        if len(candidates) > 10:
            shown += _("; and {count} more").format(count=len(candidates) - 10)
        fits = ngettext(
            "{what} fits {count}: {shown}.", "{what} fits {count}: {shown}.", len(candidates)
        )
        super().__init__(fits.format(what=what, count=len(candidates), shown=shown) + f" {pick}")
