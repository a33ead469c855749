"""The engine that applies the per-sender table (``rules.senders``): which rows a notice
matches, and what their facts change. No product is named here; add or correct a sender in
the table."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from email.message import Message

from bounce_parser import mime
from bounce_parser.codes import smtp_command
from bounce_parser.parts import line_before
from bounce_parser.reasons import is_decisive
from bounce_parser.rules.detection import SUBJECT_TAGS
from bounce_parser.rules.senders import SENDERS, Sender

log = logging.getLogger(__name__)
_SUBJECT_TAGS = re.compile(r"^\s*" + SUBJECT_TAGS, re.IGNORECASE)


@dataclass(frozen=True)
class _Compiled:
    row: Sender
    body: tuple[re.Pattern[str], ...]
    header: tuple[str, re.Pattern[str]] | None
    hosts: re.Pattern[str] | None
    stage_untold_if: re.Pattern[str] | None
    stage_told_if: re.Pattern[str] | None
    wording: tuple[tuple[re.Pattern[str] | None, str], ...]
    status_if: re.Pattern[str] | None
    subject_reason: re.Pattern[str] | None
    notice_wording: tuple[tuple[re.Pattern[str], str], ...]

    @property
    def has_marks(self) -> bool:
        row = self.row
        return bool(row.body or row.header or row.domains or row.hosts)


def _rx(pattern: str | None, flags: int = re.IGNORECASE | re.MULTILINE) -> re.Pattern[str] | None:
    return re.compile(pattern, flags) if pattern is not None else None


def _compiled(row: Sender) -> _Compiled:
    return _Compiled(
        row=row,
        body=tuple(re.compile(mime.spaced(p), re.IGNORECASE | re.MULTILINE) for p in row.body),
        header=(row.header[0], re.compile(row.header[1], re.IGNORECASE)) if row.header else None,
        hosts=_rx(row.hosts),
        stage_untold_if=_rx(row.stage_untold_if),
        stage_told_if=_rx(row.stage_told_if),
        wording=tuple((re.compile(p) if p else None, reason) for p, reason in row.wording),
        status_if=_rx(row.status_if, 0),
        subject_reason=_rx(row.subject_reason),
        notice_wording=tuple(
            (re.compile(p, re.IGNORECASE | re.MULTILINE), reason)
            for p, reason in row.notice_wording
        ),
    )


_ROWS = tuple(_compiled(row) for row in SENDERS)


@dataclass(frozen=True)
class Seen:
    """What a notice shows of its sender; each mark is looked at only when a row needs it."""

    msg: Message
    human: str
    address: str = ""
    hosts: tuple[str, ...] = ()

    def matches(self, row: _Compiled) -> bool:
        """Whether any of the row's marks is on the notice (a row without marks: never)."""
        if row.body and all(self._in_body(rx) for rx in row.body):
            return True
        if row.header is not None:
            name, rx = row.header
            if name in self.msg and rx.search(mime.header(self.msg, name) or ""):
                return True
        domain = self.address.rpartition("@")[2].lower()
        if domain and any(domain == d or domain.endswith("." + d) for d in row.row.domains):
            return True
        return row.hosts is not None and any(row.hosts.search(h) for h in self.hosts)

    def _in_body(self, rx: re.Pattern[str]) -> bool:
        return rx.search(self.human) is not None


def _host_name(value: str | None) -> str:
    return (value or "").lower().partition(" ")[0]  # "mx.example [192.0.2.1]"


def command_line(human: str, diagnostic: str, msg: Message | None = None) -> str | None:
    """The command a transcript shows right above the reply. sendmail pipelines: a refusal
    printed after ``>>> DATA`` may answer RCPT, so only its end of data counts; a sender whose
    transcript prints the one command that drew the reply (``transcript_command``) counts
    ``>>> DATA`` too."""
    line = line_before(human, diagnostic)
    command = smtp_command(line)
    if command is None and line.strip().upper() == ">>> DATA":
        seen = Seen(msg if msg is not None else Message(), human)
        if any(row.row.transcript_command and seen.matches(row) for row in _ROWS):
            return "DATA"
    return command


def _stage_untold(seen: Seen, status: str | None, diagnostic: str | None) -> bool:
    """Whether the notice comes from a sender whose notices never say at which stage a
    recipient was refused. Not when the status itself is specific (5.1.1)."""
    if is_decisive(status):
        return False
    for row in _ROWS:
        if not (row.row.stage_untold or row.stage_untold_if) or not seen.matches(row):
            continue
        if row.stage_told_if is not None and row.stage_told_if.search(seen.human):
            continue
        if row.stage_untold_if is not None and not (
            diagnostic is not None and row.stage_untold_if.search(diagnostic)
        ):
            continue
        return True
    return False


def unless_stage_untold(
    reason: str | None,
    command: str | None,
    msg: Message,
    human: str,
    status: str | None,
    diagnostic: str | None = None,
) -> str | None:
    """``reason``, but ``filtered`` for a "user unknown" that names no SMTP command in a
    notice whose sender never says at which stage (a filter may refuse after the message was
    sent, so it does not prove the mailbox missing; sisimai reads it so)."""
    if (
        reason == "userunknown"
        and command is None
        and _stage_untold(Seen(msg, human), status, diagnostic)
    ):
        return "filtered"
    return reason


def provider_reason(
    msg: Message,
    address: str,
    diagnostic: str,
    status: str | None,
    remote_mta: str | None = None,
    reporting_mta: str | None = None,
    human: str = "",
) -> str | None:
    """The reason a sender's own wording gives (``wording`` in the table), or None. The
    sender is known by any of its row's marks, its template's words in ``human`` (the
    notice's readable text) among them."""
    lowered = diagnostic.lower()
    decisive = is_decisive(status)
    seen = Seen(msg, human, address, (_host_name(remote_mta), _host_name(reporting_mta)))
    for row in _ROWS:
        if not row.wording or (decisive and not row.row.over_status):
            continue
        if row.status_if is not None and not row.status_if.search(status or ""):
            continue
        if row.has_marks and not seen.matches(row):
            continue
        for rx, reason in row.wording:
            if rx is None or rx.search(lowered):
                return reason
    return None


def notice_reason(msg: Message, address: str, human: str) -> str | None:
    """The cause a sender states once above the recipients of its plain notice
    (``notice_wording`` in the table), or None."""
    seen = Seen(msg, human, address)
    for row in _ROWS:
        if not row.notice_wording or not seen.matches(row):
            continue
        for rx, reason in row.notice_wording:
            if rx.search(human):
                return reason
    return None


def gives_up_after_retries(human: str) -> bool:
    """Whether the notice is in the template of a sender that writes it once its retry time
    ran out (``gives_up_after_retries``)."""
    seen = Seen(Message(), human)
    return any(row.row.gives_up_after_retries and seen.matches(row) for row in _ROWS)


def subject_reason(subject: str | None) -> str | None:
    """The failure a sender names in its subject ("Returned mail: User unknown"): a last
    source of the reason when the report's own text names none; read after any tag a gateway
    put before it ("[EXTERNAL] Returned mail: …")."""
    untagged = _SUBJECT_TAGS.sub("", subject or "", count=1)
    for row in _ROWS:
        if row.subject_reason is not None:
            m = row.subject_reason.match(untagged)
            if m:
                return m.group(1)
    return None
