"""Commands for whoever runs the service: its health."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from daemon.app import health
from daemon.app.cli_base import JsonOption, app, with_app
from daemon.app.reporting import Reporter
from daemon.app.services import Facturier
from daemon.domain.i18n import _


def _when(at: object) -> str | None:
    return at.isoformat() if hasattr(at, "isoformat") else None


@app.command("health")
def health_command(
    max_due_minutes: Annotated[
        float, typer.Option(help="A due delivery older than this makes the service lagging")
    ] = 60.0,
    as_json: JsonOption = False,
) -> None:
    """Check the database, the data folders, the relay and the bounce mailbox, and show the
    last send and poll, the queue depth and the oldest due delivery. Exit 0 when healthy,
    1 when a part is down or the queue is lagging (for a monitor)."""

    async def go(app_: Facturier) -> int:
        checks, figures = await asyncio.gather(
            health.everything(app_.ctx), health.figures(app_.ctx)
        )
        report = Reporter(as_json)
        for c in checks:
            report.item(
                {"check": c.name, "ok": c.ok, "detail": c.detail},
                f"{'ok  ' if c.ok else 'DOWN'} {c.name:15} {c.detail}",
            )
        lag = health.age(figures.oldest_due)
        lagging = lag is not None and lag > max_due_minutes * 60
        report.summary(
            {
                "healthy": all(c.ok for c in checks) and not lagging,
                "last_send": _when(figures.last_send),
                "last_poll": _when(figures.last_poll),
                "queue_depth": figures.queue_depth,
                "oldest_due": _when(figures.oldest_due),
                "oldest_due_seconds": lag,
            },
            _(
                "last send {send}, last message read {poll}, {depth} waiting to be sent, "
                "oldest due {oldest}"
            ).format(
                send=_when(figures.last_send) or _("never"),
                poll=_when(figures.last_poll) or _("never"),
                depth=figures.queue_depth,
                oldest=_when(figures.oldest_due) or _("none"),
            )
            + (_(" — lagging") if lagging else ""),
        )
        return 0 if all(c.ok for c in checks) and not lagging else 1

    raise typer.Exit(with_app(go))
