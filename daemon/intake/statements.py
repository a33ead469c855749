"""Bank statements in: ISO 20022 camt.053 (end-of-day statement) and camt.054 (debit/credit
notification), and a bank's CSV export with configured columns. Pure: bytes in, the credits
received out (:class:`StatementEntry`), or :class:`StatementError` naming the file and what
is wrong.

camt is read by element names under the document's own namespace, for the versions of the
ISO 20022 message definitions banks send (camt.053.001.02 to .13, camt.054.001.02 to .13);
an XML of any other namespace is refused as a whole. Only credits are payments received:
debits and reversals are reported as skipped, never recorded. The key that makes an entry
imported twice change nothing is the bank's own reference of the entry (AcctSvcrRef, the
same in a day's camt.054 and its camt.053) where it gives one, else the statement's id and
the entry's position in it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from lxml import etree

from config import CsvColumns
from daemon.domain.errors import EInvoiceError, ValidationError
from daemon.domain.i18n import _, joined
from daemon.domain.payments import is_paid_amount
from daemon.intake.xml_safety import safe_xml, xml_encoding

_CAMT = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.05([34])\.001\.(\d\d)$")
SUPPORTED_VERSIONS = range(2, 14)


class StatementError(ValidationError):
    """A statement that cannot be read: nothing of it is recorded."""

    def __init__(self, file: str, reason: str):
        super().__init__(_("{where}: {problem}").format(where=file, problem=reason))
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class StatementEntry:
    """One credit received, as the bank reported it."""

    received_on: date
    amount: Decimal
    currency: str
    reference: str | None
    """A structured creditor reference (RmtInf/Strd/CdtrRefInf/Ref) or the payer's
    end-to-end id."""
    remittance: str | None
    payer_name: str | None
    payer_account: str | None
    entry_key: str
    where: str
    """Where in the file it is (``entry 3``, ``line 7``), for the report."""


@dataclass(frozen=True)
class Skipped:
    where: str
    why: str


@dataclass(frozen=True)
class Statement:
    kind: str
    """``camt.053``, ``camt.054`` or ``csv``."""
    entries: tuple[StatementEntry, ...]
    skipped: tuple[Skipped, ...]


def read_statement(data: bytes, file: str, columns: CsvColumns, currency: str) -> Statement:
    """A camt.053, camt.054 or CSV statement's credits; the kind is told by the content."""
    if xml_encoding(data) is not None:
        return _read_camt(data, file)
    return _read_csv(data, file, columns, currency)


def _read_camt(data: bytes, file: str) -> Statement:
    try:  # the same guards as an invoice's XML: no DOCTYPE, entities, DTD, size limits
        root = safe_xml(data, file).root
    except EInvoiceError as exc:
        raise StatementError(file, exc.reason) from exc
    ns = etree.QName(root).namespace or ""
    found = _CAMT.match(ns)
    if not found or int(found.group(2)) not in SUPPORTED_VERSIONS:
        raise StatementError(
            file,
            _("namespace {namespace} is not a camt.053 or camt.054 statement").format(
                namespace=ns or _("(none)")
            ),
        )
    kind = f"camt.05{found.group(1)}"
    n = {"c": ns}
    reports = root.xpath("c:*/c:Stmt | c:*/c:Ntfctn", namespaces=n)
    if not reports:
        raise StatementError(
            file, _("{kind} without a statement (Stmt or Ntfctn)").format(kind=kind)
        )
    entries: list[StatementEntry] = []
    skipped: list[Skipped] = []
    position = 0
    for report in reports:
        report_id = _text(report, "c:Id", n) or ""
        account = _text(report, "c:Acct/c:Id/c:IBAN", n) or _text(
            report, "c:Acct/c:Id/c:Othr/c:Id", n
        )
        for entry in report.xpath("c:Ntry", namespaces=n):
            position += 1
            where = _("entry {position}").format(position=position)
            try:
                got, left_out = _camt_entry(entry, n, where, report_id, account or "")
            except StatementError as exc:
                raise StatementError(file, exc.reason) from None
            entries += got
            skipped += left_out
    return Statement(kind, tuple(entries), tuple(skipped))


def _camt_entry(
    entry: Any, n: dict[str, str], where: str, report_id: str, account: str
) -> tuple[list[StatementEntry], list[Skipped]]:
    amount, currency = _camt_amount(entry, "c:Amt", n, where)
    side = _text(entry, "c:CdtDbtInd", n)
    if side not in ("CRDT", "DBIT"):
        raise StatementError(
            where,
            _("{where}: CdtDbtInd is {side}, not CRDT or DBIT").format(
                where=where, side=repr(side)
            ),
        )
    if _text(entry, "c:RvslInd", n) in ("true", "1"):
        return [], [Skipped(where, _("a reversal by the bank: reverse the payment by hand"))]
    if side == "DBIT":
        return [], [Skipped(where, _("a debit, not a payment received"))]
    status = _text(entry, "c:Sts", n) or _text(entry, "c:Sts/c:Cd", n)
    if status and status not in ("BOOK", "BOOKED"):
        return [], [Skipped(where, _("status {status}: not booked yet").format(status=status))]
    booked = _camt_date(entry, "c:BookgDt", n) or _camt_date(entry, "c:ValDt", n)
    if booked is None:
        raise StatementError(where, _("{where}: no booking or value date").format(where=where))
    bank_ref = _text(entry, "c:AcctSvcrRef", n)
    details = entry.xpath("c:NtryDtls/c:TxDtls", namespaces=n)
    out = []
    for index, tx in enumerate(details or [None]):
        tx_amount, tx_currency = amount, currency
        if tx is not None and len(details) > 1:
            tx_amount, tx_currency = _camt_amount(tx, "c:Amt | c:AmtDtls/c:TxAmt/c:Amt", n, where)
        node = tx if tx is not None else entry
        refs = [
            *node.xpath("c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref/text()", namespaces=n),
            *node.xpath("c:Refs/c:EndToEndId/text()", namespaces=n),
        ]
        reference = next((r.strip() for r in refs if r.strip() != "NOTPROVIDED"), None)
        remittance = " ".join(
            " ".join(t.split())
            for t in node.xpath("c:RmtInf/c:Ustrd/text() | c:AddtlTxInf/text()", namespaces=n)
        )
        payer = _text(node, "c:RltdPties/c:Dbtr/c:Nm | c:RltdPties/c:Dbtr/c:Pty/c:Nm", n)
        payer_account = _text(
            node, "c:RltdPties/c:DbtrAcct/c:Id/c:IBAN | c:RltdPties/c:DbtrAcct/c:Id/c:Othr/c:Id", n
        )
        tx_ref = _text(node, "c:Refs/c:AcctSvcrRef", n) if tx is not None else None
        if tx_ref or bank_ref:
            key = f"bank:{account}:{tx_ref or bank_ref}:{index}"
        else:
            key = f"statement:{account}:{report_id}:{where}:{index}"
        out.append(
            StatementEntry(
                booked,
                tx_amount,
                tx_currency,
                reference,
                remittance or None,
                payer,
                payer_account,
                key,
                where
                if len(details) <= 1
                else _("{where}, transaction {n}").format(where=where, n=index + 1),
            )
        )
    return out, []


def _camt_amount(node: Any, path: str, n: dict[str, str], where: str) -> tuple[Decimal, str]:
    found = node.xpath(path, namespaces=n)
    if not found:
        raise StatementError(where, _("{where}: no amount (Amt)").format(where=where))
    text, currency = (found[0].text or "").strip(), found[0].get("Ccy") or ""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise StatementError(
            where, _("{where}: amount {text} is not a number").format(where=where, text=repr(text))
        ) from None
    if not amount.is_finite() or amount <= 0:
        # ISO 20022 amounts are positive; the side is CdtDbtInd
        raise StatementError(
            where,
            _("{where}: amount {text} is not a positive amount").format(where=where, text=text),
        )
    if not is_paid_amount(amount):
        raise StatementError(where, _too_fine(where, text))
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(
            where,
            _("{where}: currency {currency} is not an ISO 4217 code").format(
                where=where, currency=repr(currency)
            ),
        )
    return amount, currency


def _camt_date(node: Any, path: str, n: dict[str, str]) -> date | None:
    value = _text(node, f"{path}/c:Dt", n) or _text(node, f"{path}/c:DtTm", n)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _text(node: Any, path: str, n: dict[str, str]) -> str | None:
    found = node.xpath(path, namespaces=n)
    if not found:
        return None
    value = found[0] if isinstance(found[0], str) else found[0].text
    value = " ".join((value or "").split())
    return value or None


def _read_csv(data: bytes, file: str, columns: CsvColumns, currency: str) -> Statement:
    try:
        text = data.decode(columns.encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise StatementError(
            file, _("not {encoding} text: {error}").format(encoding=columns.encoding, error=exc)
        ) from None
    # a lone CR ends a line too (a classic Mac export), as in universal newlines
    reader = csv.DictReader(
        io.StringIO(text, newline=None), delimiter=columns.delimiter, restkey=_REST
    )
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        where = _("line {n}").format(n=1)
        raise StatementError(file, _("{line}: {error}").format(line=where, error=exc)) from None
    wanted = [columns.date, columns.amount] + [
        c for c in (columns.currency, columns.reference, columns.remittance, columns.payer) if c
    ]
    missing = [c for c in wanted if c not in header]
    if missing:
        said = _("no column {missing} (its header has {header})").format(
            missing=", ".join(repr(c) for c in missing),
            header=", ".join(repr(h) for h in header) or _("nothing"),
        )
        # a column the bank's export does not have at all is said so by an empty name (TOML
        # has no null): the admin is told how, for the columns that may be absent
        optional = [
            f'{key} = ""'
            for key in ("currency", "reference", "remittance", "payer")
            if getattr(columns, key) in missing
        ]
        how = _("name its columns in [payments.csv]")
        other = [d for d in ";\t|," if d != columns.delimiter and len(header) == 1]
        apart = next((d for d in other if d in header[0]), None) if header else None
        if apart is not None:
            # the whole header read as one column: its columns are separated by another
            # character than the one set (a French bank's export uses ";"): said, not guessed
            how = _(
                "its header reads as one column: if its columns are separated by {found}, set "
                "delimiter = {setting} in [payments.csv]"
            ).format(found=repr(apart), setting='"\\t"' if apart == "\t" else f'"{apart}"')
            raise StatementError(file, joined([said, how]))
        if optional:
            how = _(
                "name its columns in [payments.csv], and set there the ones it does not have "
                "to nothing ({settings})"
            ).format(settings=", ".join(optional))
        raise StatementError(file, joined([said, how]))
    entries: list[StatementEntry] = []
    skipped: list[Skipped] = []
    for row in _rows(reader, file):
        line = _("line {n}").format(n=reader.line_num)
        amount = _csv_amount(row.get(columns.amount) or "", columns.decimal_comma, line, file)
        if amount <= 0:
            skipped.append(Skipped(line, _("a debit or zero, not a payment received")))
            continue
        try:
            received = datetime.strptime(
                (row.get(columns.date) or "").strip(), columns.date_format
            ).date()
        except ValueError:
            raise StatementError(
                file,
                _("{line}: date {value} is not {format}").format(
                    line=line, value=repr(row.get(columns.date)), format=columns.date_format
                ),
            ) from None
        ccy = ((row.get(columns.currency) or "") if columns.currency else "").strip().upper()
        ccy = ccy or currency
        if not re.fullmatch(r"[A-Z]{3}", ccy):
            raise StatementError(
                file,
                _("{where}: currency {currency} is not an ISO 4217 code").format(
                    where=line, currency=repr(ccy)
                ),
            )

        bank_id = _cell(row, columns.entry_id)
        digest = hashlib.sha256(
            "\x1f".join(f"{k}={v}" for k, v in sorted(row.items()) if k).encode()
        ).hexdigest()[:32]
        entries.append(
            StatementEntry(
                received,
                amount,
                ccy,
                _cell(row, columns.reference),
                _cell(row, columns.remittance),
                _cell(row, columns.payer),
                None,
                f"csv:{bank_id}" if bank_id else f"csv-row:{digest}:{_seen(entries, digest)}",
                line,
            )
        )
    return Statement("csv", tuple(entries), tuple(skipped))


def _cell(row: dict[str, str], name: str | None) -> str | None:
    value = " ".join((row.get(name) or "").split()) if name else ""
    return value or None


_REST = "\x00cells past the header"
"""Where the reader puts the cells of a row that has more than its header names."""


def _rows(reader: csv.DictReader[str], file: str) -> Iterator[dict[str, str]]:
    """Each row that holds something; one the header does not fit (more cells than it
    names: an amount "1,234.50" written unquoted where "," separates) refuses the file."""
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            where = _("line {n}").format(n=reader.line_num)
            raise StatementError(file, _("{line}: {error}").format(line=where, error=exc)) from None
        extra = cast(list[str], row.pop(_REST, None) or [])
        if any(cell.strip() for cell in extra):  # empty ones: a separator ending the line
            raise StatementError(
                file,
                _("{line}: {count} cells where the header names {named}").format(
                    line=_("line {n}").format(n=reader.line_num),
                    count=len(row) + len(extra),
                    named=len(reader.fieldnames or []),
                ),
            )
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            yield row


def _seen(entries: list[StatementEntry], digest: str) -> int:
    """How many identical rows came before in this file (two equal rows are two payments)."""
    return sum(e.entry_key.startswith(f"csv-row:{digest}:") for e in entries)


# an amount as a bank's export writes it: a sign, digits grouped by threes with the other
# separator (or a space) or not grouped, then the decimal separator the export uses
_POINT_DECIMALS = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_COMMA_DECIMALS = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


def _csv_amount(text: str, decimal_comma: bool, line: str, file: str) -> Decimal:
    value = "".join(text.split())  # every space between thousands, no-break ones too
    written, other = (
        (_COMMA_DECIMALS, _POINT_DECIMALS) if decimal_comma else (_POINT_DECIMALS, _COMMA_DECIMALS)
    )
    if not written.fullmatch(value) and other.fullmatch(value):
        # "1620,00" read with decimal points would be 162000: refused, never misread
        said = (
            _(
                "{where}: amount {text} is written with a decimal point: set decimal_comma = "
                "false in [payments.csv]"
            )
            if decimal_comma
            else _(
                "{where}: amount {text} is written with a decimal comma: set decimal_comma = "
                "true in [payments.csv]"
            )
        )
        raise StatementError(file, said.format(where=line, text=repr(text)))
    value = value.replace(".", "").replace(",", ".") if decimal_comma else value.replace(",", "")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise StatementError(
            file, _("{where}: amount {text} is not a number").format(where=line, text=repr(text))
        ) from None
    if not amount.is_finite():
        raise StatementError(
            file, _("{where}: amount {text} is not a number").format(where=line, text=repr(text))
        )
    if amount and not is_paid_amount(abs(amount)):
        raise StatementError(file, _too_fine(line, repr(text)))
    return amount


def _too_fine(where: str, text: str) -> str:
    return _(
        "{where}: amount {text} is not an amount in cents (at most two decimals, below 10^16)"
    ).format(where=where, text=text)
