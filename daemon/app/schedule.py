"""What the service runs on a schedule (APScheduler 3): the jobs and their triggers, from the
``[schedule]``, ``[campaign]``, ``[archive]`` and ``[metrics]`` settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from daemon.app.runtime import Daemon


class Job(NamedTuple):
    """One scheduled job: its id, the name its failures are said under, what it runs and
    when; ``at_start`` runs it once as the service starts as well."""

    id: str
    name: str
    run: Callable[[], Awaitable[Any]]
    trigger: BaseTrigger
    at_start: bool = False


def jobs(daemon: Daemon) -> list[Job]:
    """The jobs these settings ask for: the queue depth for the metrics, the campaign, the
    bounce poll, the reminders, the chain head's export, filing sent copies."""
    settings = daemon.app.ctx.settings
    s = settings.schedule
    found: list[Job] = []
    if settings.metrics.port is not None:
        found.append(
            Job("queue-depth", "queue depth", daemon.count_queue, IntervalTrigger(seconds=15), True)
        )
    if settings.campaign.scheduled:
        found.append(
            Job(
                "campaign",
                "campaign",
                daemon.campaign_once,
                _daily(s.reminder_time, s.zone),
            )
        )
    found += [
        Job(
            "bounce-poll",
            "bounce poll",
            daemon.poll_bounces_once,
            IntervalTrigger(minutes=s.bounce_poll_minutes),
        ),
        Job(
            "reminders",
            "reminders",
            daemon.remind_once,
            _daily(s.reminder_time, s.zone),
        ),
    ]
    if settings.archive.head_export is not None:
        every = IntervalTrigger(minutes=settings.archive.head_export_minutes)
        found.append(Job("chain-head", "chain head export", daemon.app.export_head, every))
    every_5 = IntervalTrigger(minutes=5)
    found.append(Job("sent-folder", "sent folder", daemon.worker.file_pending_sent_copies, every_5))
    return found


def _daily(at: time, zone: tzinfo) -> CronTrigger:
    """Each day at ``at`` in ``zone``, the ``[schedule] timezone``: a trigger made here keeps
    the machine's own zone otherwise (APScheduler gives the scheduler's only to a trigger
    it makes from a name)."""
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)


def add_jobs(daemon: Daemon) -> None:
    """The scheduler's jobs, each run through the daemon's guard (a failure said once, the
    loop never stopped), one at a time, a run missed while one was going made up once."""
    scheduler = daemon.scheduler
    for job in jobs(daemon):
        extra: dict[str, Any] = {}
        if job.at_start:
            extra["next_run_time"] = datetime.now(scheduler.timezone)
        scheduler.add_job(
            daemon.guarded,
            job.trigger,
            args=[job.name, job.run],
            id=job.id,
            max_instances=1,
            coalesce=True,
            **extra,
        )
