"""Pure bounce classification: bytes in, :class:`Classification` out.

``classify(raw)`` never raises and performs no I/O. It recognises RFC 3464 delivery status
notifications, the plain-text bounces of common MTAs, RFC 5965 ARF complaints, RFC 8098
read receipts, RFC 3834 auto-replies and human replies, and reports per recipient the
RFC 3463 status, the SMTP reply code, a reason in sisimai's vocabulary, the action and
whether the failure is hard.
"""

from bounce_parser.engine import classify
from bounce_parser.model import HARD_REASONS, Classification, Kind, RecipientResult

__all__ = ["HARD_REASONS", "Classification", "Kind", "RecipientResult", "classify"]
