"""RFC 3464 delivery status notifications (and the ones embedded in text), per recipient."""

from __future__ import annotations

import logging
import re
from email.message import Message

from bounce_parser import mime
from bounce_parser.codes import reply_code_in_text, smtp_command, status_in_text
from bounce_parser.model import MAX_RECIPIENTS, Classification, Kind, RecipientResult, is_hard
from bounce_parser.parts import (
    Common,
    addr,
    around,
    diagnostic_near,
    human_text,
    returned_headers,
    returned_message_id,
    token,
)
from bounce_parser.reasons import (
    decide_reason,
    named_specifically,
    refine_by_command,
    status_from_reply_code,
)
from bounce_parser.report_fields import dsn_groups, mta_name, typed_text
from bounce_parser.rules.categories import reported_category
from bounce_parser.rules.signatures import (
    command_line,
    provider_reason,
    subject_reason,
    unless_stage_untold,
)
from bounce_parser.rules.status import program_exit

log = logging.getLogger(__name__)


_ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})
"""RFC 3464 2.3.3's action values."""
_PER_MESSAGE_FIELDS = frozenset(
    {"original-envelope-id", "reporting-mta", "dsn-gateway", "received-from-mta", "arrival-date"}
)
"""RFC 3464 2.2's per-message fields (2.3 names the per-recipient ones, none the same)."""


def from_dsn(
    msg: Message, parts: list[tuple[int, Message]], dsn: Message, base: Common
) -> Classification | None:
    groups = dsn_groups(dsn)
    if not groups:
        return None
    per_message, per_recipient = groups[0], groups[1:]
    if "final-recipient" in per_message or "original-recipient" in per_message:
        # no blank line after the per-message fields (a reporter that left it out): the
        # first block holds both, told apart by RFC 3464 2.2's per-message field names
        per_message = {k: v for k, v in groups[0].items() if k in _PER_MESSAGE_FIELDS}
        per_recipient = groups
    per_recipient = per_recipient[:MAX_RECIPIENTS]
    human = human_text(parts)
    results: list[RecipientResult] = []
    reported = {
        a for fields in per_recipient for a in (addr(fields.get(f)) for f in _RECIPIENT_FIELDS) if a
    }
    unread_failure = False
    for fields in per_recipient:
        by_category = False
        address = next(filter(None, (addr(fields.get(f)) for f in _RECIPIENT_FIELDS)), None)
        if not address:
            address = _completed_local_part(fields, parts)
        if not address:
            unread_failure = unread_failure or _failure_fields(fields)
            continue
        action = (fields.get("action") or "").split()[0].lower() if fields.get("action") else None
        status_field = status_in_text(fields.get("status", ""))
        diagnostic = fields.get("diagnostic-code")
        diagnostic_type, diag_text = typed_text(diagnostic) if diagnostic else ("", diagnostic)
        if not diag_text:
            diag_text = diagnostic_near(human, address, reported - {address})
        elif _REPLY_CONTINUES.match(diag_text):
            diag_text = _complete_reply(human, diag_text)
        as_received = diag_text  # shown as the notice gave it; read as the server said it
        if diag_text:
            diag_text = _quoted_reply(diag_text)
        reply_code = reply_code_in_text(diag_text or "")
        status = status_field
        if diag_text:
            # the remote server's own status, quoted in the diagnostic, is more specific than
            # a reporting MTA's generic or guessed one ("Status: 5.1.1" for "550 5.7.1 IP
            # address blacklisted"); of the same class only: the Status field says whether
            # the report is a failure or a delay; never a bare X.0.0 over a specific field
            quoted = status_in_text(diag_text)
            if quoted and (
                status is None or (quoted[0] == status[0] and not quoted.endswith(".0.0"))
            ):
                status = quoted
        stated = status is not None  # said by the report, not guessed below from the reason
        # a cause read only from the report's text for people, which names other recipients
        # too, may be theirs: it may name the reason, never prove this address gone
        borrowed = len(per_recipient) > 1 and decide_reason(status, diag_text or "") is None
        if action not in _ACTIONS and status:
            # no Action, or one RFC 3464 2.3.3 does not define (sendmail's "deliverable"):
            # the status's class says (RFC 3463 2: 2 success, 4 persistent, 5 permanent)
            action = {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[0], action)
        reason: str | None = "delivered"
        if action not in ("delivered", "relayed", "expanded"):
            reason = decide_reason(
                status, diag_text or human[:2000], subject_reason(base["subject"])
            )
            # the reporter's own category of the failure, where no specific status or
            # wording names the cause; it proves nothing gone by itself
            category = reported_category(fields)
            by_category = category is not None and not named_specifically(status, diag_text)
            if by_category:
                reason = category
            command = (
                smtp_command(diag_text or "")
                or smtp_command(around(human, address))
                or command_line(human, diag_text or "", msg)
            )
            reason = refine_by_command(reason, command, status, diag_text)
            if diagnostic and program_exit(diagnostic_type, diag_text, status):
                reason = "mailererror"
            reason = unless_stage_untold(reason, command, msg, human, status)
            reason = (
                provider_reason(
                    msg,
                    address,
                    diag_text or "",
                    status,
                    mta_name(fields.get("remote-mta")),
                    mta_name(per_message.get("reporting-mta")),
                    human,
                )
                or reason
            )
            if status is None:
                guessed = reply_code or (400 if action == "delayed" else 500)
                status = status_from_reply_code(guessed, reason)
        results.append(
            RecipientResult(
                address=address,
                status=status,
                reason=reason,
                action=action,
                hard=action == "failed"
                and not borrowed
                and not by_category
                and is_hard(reason, status, reply_code, diag_text, status_stated=stated),
                diagnostic=as_received,
                reply_code=reply_code,
                remote_mta=mta_name(fields.get("remote-mta")),
                original_recipient=addr(fields.get("original-recipient")),
                last_attempt=fields.get("last-attempt-date"),
                will_retry_until=fields.get("will-retry-until"),
            )
        )
    success = all(r.action in ("delivered", "relayed", "expanded") for r in results)
    if not results or (success and unread_failure):
        # a failure whose recipient field cannot be read ("rfc822; @host") is not a success
        # report for the others: the notice's text is read for it instead
        return None
    return Classification(
        kind=Kind.DELIVERY_REPORT if success else Kind.BOUNCE,
        recipients=tuple(results),
        original_message_id=returned_message_id(parts, human),
        original_envelope_id=per_message.get("original-envelope-id"),
        reporting_mta=mta_name(per_message.get("reporting-mta")),
        arrival_date=per_message.get("arrival-date"),
        facturier_token=token(parts),
        **base,
    )


# who a recipient block is about: RFC 3464's Final-Recipient, else its Original-Recipient,
# else sendmail's X-Actual-Recipient (the address an alias made, given beside a Final-Recipient
# that is not an Internet address, such as an X.400 one)
_RECIPIENT_FIELDS = ("final-recipient", "original-recipient", "x-actual-recipient")


_LOCAL_PART = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}")


def _completed_local_part(fields: dict[str, str], parts: list[tuple[int, Message]]) -> str | None:
    """The address of a recipient field that gives only a local part ("rfc822; factures", as
    a local delivery agent may report it, RFC 3464 2.3.2: the address as the reporting MTA
    knew it): the one address of the returned message's To or Cc with that local part."""
    for name in _RECIPIENT_FIELDS:
        value = (fields.get(name) or "").partition(";")[2].strip().strip('<>"')
        if not _LOCAL_PART.fullmatch(value):
            continue
        headers = returned_headers(parts)
        if headers is None:
            return None
        written = mime.addresses_in(" ".join(str(headers.get(h, "") or "") for h in ("To", "Cc")))
        same = {a.lower() for a in written if a.partition("@")[0].lower() == value.lower()}
        return same.pop() if len(same) == 1 else None
    return None


def _failure_fields(fields: dict[str, str]) -> bool:
    """Whether a recipient's fields report a failure or a delay (RFC 3464 2.3.3-2.3.4)."""
    action = (fields.get("action") or "").strip().lower()
    if action:
        return action.startswith(("failed", "delayed"))
    return (fields.get("status") or "").strip()[:1] in ("4", "5")


_EMBEDDED_DSN = re.compile(r"^(?:Reporting-MTA|Final-Recipient)[ \t]*:", re.I | re.M)
# a recipient's block: its Final-Recipient with its Action or Status, in either order (RFC
# 3464 2.3 lists an order; readers meet others)
_DSN_RECIPIENT = re.compile(
    r"^Final-Recipient[ \t]*:.*\n(?:.*\n){0,8}?(?:Action|Status)[ \t]*:|"
    r"^(?:Action|Status)[ \t]*:.*\n(?:.*\n){0,8}?Final-Recipient[ \t]*:",
    re.I | re.M,
)
_FIELD_OR_CONTINUED = re.compile(r"[A-Za-z][\w-]*[ \t]*:|[ \t]+\S")
_FIELDS_ABOVE_READ = 20  # a report's per-message block holds a handful of fields


# Where a report's fields are found when no part is labelled message/delivery-status: in a
# plain part (the MIME structure lost), or in a part a gateway relabelled when it re-encoded
# the report (text/delivery-status, a generic binary type); RFC 6522 3 fixes the report's
# second part as its machine-readable one whatever its label, and RFC 3464's fields name it
_FIELDS_IN = ("text/plain", "text/delivery-status", "application/octet-stream")


def embedded_dsn(parts: list[tuple[int, Message]]) -> tuple[Message, Message | None] | None:
    """The delivery-status fields of a report whose MIME structure was lost (no or a wrong
    Content-Type), found as a block of text in a plain or relabelled part; and that part,
    where it holds the fields alone (a relabelled report part, which is no text for a
    person to read)."""
    for depth, part in parts:
        kind = mime.ctype(part)
        if depth or not (kind in _FIELDS_IN or kind.startswith("multipart/")):
            continue
        if not isinstance(part.get_payload(), str):
            continue
        text = mime.text_of(part).replace("\r\n", "\n")
        start = _EMBEDDED_DSN.search(text)
        if start is None:
            continue
        begin = _block_start(text, start.start())
        if not _DSN_RECIPIENT.search(text, begin):
            continue
        report = Message()
        report.set_payload(text[begin:])
        return report, (part if not text[:begin].strip() else None)
    return None


def _block_start(text: str, first: int) -> int:
    """Where the block of fields holding the line at ``first`` begins: the field lines (and
    their continuations) right above it, in whatever order its reporter wrote them."""
    begin = first
    for _ in range(_FIELDS_ABOVE_READ):
        above = text.rfind("\n", 0, begin - 1) + 1 if begin else 0
        if begin == 0 or not _FIELD_OR_CONTINUED.match(text, above, begin - 1):
            break
        begin = above
    return begin


_REPLY_CONTINUES = re.compile(r"(\d{3})-")
_LINE_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\s+")


# Amazon SES wraps the remote server's reply in its own category: "5.1.0 - Unknown address
# error 550-'5.7.1 <…>... Access denied' (delivery attempts: 0)". Its category and status
# are SES's label for any refusal; the quoted reply is what the server said
_SES_WRAPPED = re.compile(
    r"^\s*[245]\.\d{1,3}\.\d{1,3} - [A-Za-z ]+ error ([245]\d\d)[- ]'(.+?)'"
    r"(?: \(delivery attempts: \d+\))?\s*$",
    re.DOTALL,
)


def _quoted_reply(diag_text: str) -> str:
    """The remote server's own reply where a relay wrapped it in its own words (SES)."""
    m = _SES_WRAPPED.match(diag_text)
    return f"{m.group(1)} {m.group(2)}" if m else diag_text


def _complete_reply(human: str, first_line: str) -> str:
    """A multi-line reply of which the report kept only the first line ("552-5.7.0 This
    message was blocked because its content presents a potential"), completed from the
    session transcript in the human-readable part when it has the later lines."""
    code = first_line[:3]
    at = human.find(first_line)
    while at >= 0:
        lines = [first_line]
        for line in human[at + len(first_line) :].splitlines()[1:12]:
            text = line.strip().removeprefix("<<<").strip()
            if not text.startswith(code) or text[3:4] not in ("-", " "):
                break
            lines.append(_LINE_STATUS.sub("", text[4:].strip()))
            if text[3] == " ":
                break
        if len(lines) > 1:
            return " ".join(lines)
        at = human.find(first_line, at + len(first_line))
    return first_line
