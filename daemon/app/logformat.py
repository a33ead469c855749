"""How log records are written: for people (``plain``), for journald (``journald``: no
timestamp of our own, journald stamps each record; the level as a syslog priority prefix
(sd-daemon(3)); an exception's text kept in the same record) and for machines (``json``: one
object per line with the invoice, delivery and recipient where they apply). Secrets from the
settings never reach either: every record is masked."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

FIELDS = ("invoice", "delivery_id", "recipient")
"""What a record may carry beside its message (``extra=``), named the same in every format."""

_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class Masking(logging.Filter):
    """Replaces each secret's text in a record's message and exception with asterisks."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "**********")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = self._mask(record.getMessage())
            record.args = None
            if record.exc_info:
                record.exc_text = self._mask(logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
        return True


class JournaldFormatter(logging.Formatter):
    """``<priority>name: message`` on one line: journald adds the time, and a traceback's
    lines are joined so that one failure is one record."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.name}: {record.getMessage()}"
        trace = record.exc_text or (
            self.formatException(record.exc_info) if record.exc_info else ""
        )
        if trace:
            text += " | " + " | ".join(line for line in trace.splitlines() if line.strip())
        return f"<{_PRIORITY.get(record.levelno, 6)}>{text}".replace("\n", " | ")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                event[name] = value
        trace = record.exc_text or (
            self.formatException(record.exc_info) if record.exc_info else ""
        )
        if trace:
            event["exception"] = trace
        return json.dumps(event, ensure_ascii=False, default=str)


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    if kind == "journald":
        return JournaldFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
