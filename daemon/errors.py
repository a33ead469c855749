"""The daemon's exception tree.

``FacturierError``
├── ``TransientError``: try again later (database busy, mail server away); nothing was changed.
└── ``PermanentError``: the input or request is wrong; retrying will not help.
    ├── ``EInvoiceError``: a file is not an e-invoice we can read (names the file and why).
    ├── ``NotFoundError``: no such invoice, customer or address.
    └── ``ValidationError``: a value given by a user or a file is not acceptable.
"""

from __future__ import annotations


class FacturierError(Exception):
    """Base of every error the daemon raises on purpose."""


class TransientError(FacturierError):
    """A temporary failure: the same call may succeed later."""


class PermanentError(FacturierError):
    """The request cannot succeed as given."""


class EInvoiceError(PermanentError):
    def __init__(self, file: str, reason: str):
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


class NotFoundError(PermanentError):
    pass


class ValidationError(PermanentError):
    pass
