"""A year-and-more of invoices for the scale benchmarks, written in bulk straight to the tables
(the schema comes from the migrations; the rows skip the import path, which is not measured
here): ``invoices`` invoices over ``customers`` customers, one delivery each (a copy for one in
five), three events a delivery, and the bounces, replies and unrecognized mail that the
attention queue shows. Deterministic for a given size."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

START = date(2024, 1, 2)

# (invoice state, delivery state, last event, share in 10,000)
MIX = (
    ("delivered", "delivered", "delivered", 9_500),
    ("accepted", "accepted", "accepted", 250),
    ("bounced", "bounced", "bounced", 60),
    ("deferred", "deferred", "deferred", 60),
    ("attention", "bounced", "bounced", 20),
    ("needs_address", None, None, 30),
    ("queued", "queued", "queued", 80),
)

INVOICE_COLUMNS = (
    "id, number, customer_id, type_code, issue_date, due_date, currency, total_without_tax, "
    "tax_total, total_with_tax, amount_due, seller_name, buyer_name, format, file_name, "
    "file_sha256, file_size, stored_path, state, payment_state, imported_at"
)
DELIVERY_COLUMNS = (
    "id, invoice_id, address_id, recipient, kind, reminder_level, message_id, token, state, "
    "attempts, last_code, last_text, possible_duplicate, created_at, updated_at"
)
EVENT_COLUMNS = "id, delivery_id, at, event, state_from, state_to, smtp_code, text"
INBOUND_COLUMNS = (
    "id, mailbox, uidvalidity, uid, message_id, subject, from_address, raw_sha256, size, "
    "received_at, kind, classification, delivery_id, evidence, disposition, customer_message"
)


def _states(rng: random.Random) -> tuple[str, str | None, str | None]:
    pick = rng.randrange(10_000)
    for invoice_state, delivery_state, event, share in MIX:
        if pick < share:
            return invoice_state, delivery_state, event
        pick -= share
    return MIX[0][0], MIX[0][1], MIX[0][2]


class ScaleData:
    def __init__(self, invoices: int, customers: int = 10_000, seed: int = 7):
        self.invoices = invoices
        self.customers = customers
        self.seed = seed

    def customer_rows(self) -> Iterator[tuple[Any, ...]]:
        for c in range(1, self.customers + 1):
            yield (c, f"Client {c:05d} SARL", f"FR{c:011d}", f"C-{c:05d}", "fr", _ts(START))

    def address_rows(self) -> Iterator[tuple[Any, ...]]:
        for c in range(1, self.customers + 1):
            yield (
                c,
                c,
                f"factures@client{c:05d}.example",
                "invoice_to",
                True,
                True,
                False,
                _ts(START),
            )

    def rows(
        self,
    ) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """("invoice" | "delivery" | "event" | "inbound", row), in id order per table."""
        rng = random.Random(self.seed)
        delivery_id = event_id = inbound_id = 0
        span = 3 * 365
        for i in range(1, self.invoices + 1):
            customer = rng.randrange(1, self.customers + 1)
            issued = START + timedelta(days=span * i // self.invoices)
            invoice_state, delivery_state, last_event = _states(rng)
            paid = invoice_state == "delivered" and rng.random() < 0.85
            total = rng.randrange(5_000, 500_000) / 100
            at = datetime(issued.year, issued.month, issued.day, 9, tzinfo=UTC) + timedelta(
                seconds=i % 30_000
            )
            yield (
                "invoice",
                (
                    i,
                    f"FA-{issued.year}-{i:07d}",
                    customer,
                    "380",
                    issued.isoformat(),
                    (issued + timedelta(days=30)).isoformat(),
                    "EUR",
                    round(total / 1.2, 2),
                    round(total - total / 1.2, 2),
                    total,
                    0 if paid else total,
                    "ACME SAS",
                    f"Client {customer:05d} SARL",
                    "factur-x",
                    f"FA-{i:07d}.pdf",
                    f"{i:064x}",
                    60_000,
                    f"invoices/{i:07d}.pdf",
                    invoice_state,
                    "paid" if paid else "unpaid",
                    _ts(at),
                ),
            )
            if delivery_state is None:
                continue
            kinds = ("invoice", "copy") if rng.random() < 0.2 else ("invoice",)
            for kind in kinds:
                delivery_id += 1
                recipient = (
                    f"factures@client{customer:05d}.example"
                    if kind == "invoice"
                    else f"compta@client{customer:05d}.example"
                )
                text = {
                    "bounced": "hard bounce 5.1.1: user unknown",
                    "deferred": "451 4.7.1 try again later",
                }.get(delivery_state)
                yield (
                    "delivery",
                    (
                        delivery_id,
                        i,
                        customer if kind == "invoice" else None,
                        recipient,
                        kind,
                        0,
                        f"<{delivery_id}.bench@acme.example>",
                        f"t{delivery_id:012d}",
                        delivery_state,
                        1,
                        550 if delivery_state == "bounced" else 250,
                        text,
                        False,
                        _ts(at),
                        _ts(at + timedelta(minutes=5)),
                    ),
                )
                trail = [("queued", None, "queued"), ("sending", "queued", "sending")]
                if last_event not in ("queued", "sending"):
                    trail.append((last_event or "", "sending", delivery_state))
                for n, (event, state_from, state_to) in enumerate(trail):
                    event_id += 1
                    yield (
                        "event",
                        (
                            event_id,
                            delivery_id,
                            _ts(at + timedelta(seconds=n)),
                            event,
                            state_from,
                            state_to,
                            None,
                            text if n == 2 else None,
                        ),
                    )
                if delivery_state == "bounced" or (kind == "invoice" and rng.random() < 0.002):
                    inbound_id += 1
                    reply = delivery_state != "bounced"
                    yield (
                        "inbound",
                        (
                            inbound_id,
                            "INBOX",
                            1,
                            inbound_id,
                            f"<in{inbound_id}@mx.example>",
                            "Re: facture" if reply else "Undelivered Mail Returned to Sender",
                            recipient if reply else "MAILER-DAEMON@mx.example",
                            f"{inbound_id:064x}",
                            4_000,
                            _ts(at + timedelta(hours=1)),
                            "reply" if reply else "bounce",
                            "{}",
                            delivery_id,
                            "message-id" if rng.random() < 0.9 else "inferred: recipient",
                            "replies" if reply else "processed",
                            "Merci, bien reçu." if reply else None,
                        ),
                    )


def _ts(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return value


TABLES = {
    "invoice": ("invoices", INVOICE_COLUMNS),
    "delivery": ("deliveries", DELIVERY_COLUMNS),
    "event": ("delivery_events", EVENT_COLUMNS),
    "inbound": ("inbound_messages", INBOUND_COLUMNS),
}
CUSTOMER_COLUMNS = "id, name, vat_id, identifier, language, created_at"
ADDRESS_COLUMNS = "id, customer_id, email, role, central_mailbox, active, undeliverable, created_at"


def fill_sqlite(path: str, data: ScaleData, batch: int = 20_000) -> None:
    """Write ``data`` into the migrated SQLite database at ``path``."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=OFF")
    _sqlite_insert(db, "customers", CUSTOMER_COLUMNS, data.customer_rows())
    _sqlite_insert(db, "customer_addresses", ADDRESS_COLUMNS, data.address_rows())
    for chunk in _chunks(data, batch):
        for table, rows in chunk.items():
            _sqlite_insert(db, *TABLES[table], rows)
    db.execute("ANALYZE")
    db.commit()
    db.close()


def _chunks(data: ScaleData, batch: int) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """The rows in groups of about ``batch``, each group in table order (invoices first)."""
    pending: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLES}
    count = 0
    for table, row in data.rows():
        pending[table].append(row)
        count += 1
        if count >= batch:
            yield pending
            pending = {name: [] for name in TABLES}
            count = 0
    yield pending


def _sqlite_insert(db: sqlite3.Connection, table: str, columns: str, rows: Any) -> None:
    marks = ", ".join("?" for _ in columns.split(","))
    db.executemany(
        f"INSERT INTO {table} ({columns}) VALUES ({marks})",
        ([_sqlite_value(v) for v in row] for row in rows),
    )
    db.commit()


async def fill_postgres(dsn: str, data: ScaleData, batch: int = 50_000) -> None:
    """Write ``data`` into the migrated PostgreSQL database ``dsn`` (a plain libpq URL)."""
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(dsn)
    try:
        await _pg_copy(conn, "customers", CUSTOMER_COLUMNS, list(data.customer_rows()))
        await _pg_copy(conn, "customer_addresses", ADDRESS_COLUMNS, list(data.address_rows()))
        for chunk in _chunks(data, batch):  # parents before children: the keys hold
            for table, rows in chunk.items():
                await _pg_copy(conn, *TABLES[table], rows)
        for table in ("customers", "customer_addresses", *(t for t, _ in TABLES.values())):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


_PG_TYPES: dict[str, dict[str, str]] = {}


async def _pg_copy(conn: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    names = [c.strip() for c in columns.split(",")]
    if table not in _PG_TYPES:
        types = await conn.fetch(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1",
            table,
        )
        _PG_TYPES[table] = {r["column_name"]: r["data_type"] for r in types}
    kinds = _PG_TYPES[table]
    converted = [
        tuple(_pg_value(v, kinds[n]) for v, n in zip(row, names, strict=True)) for row in rows
    ]
    await conn.copy_records_to_table(table, records=converted, columns=names)


def _pg_value(value: Any, kind: str) -> Any:
    from decimal import Decimal

    if value is None:
        return None
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "numeric":
        return Decimal(str(value))
    return value
