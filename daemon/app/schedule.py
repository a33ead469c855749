"""What the service runs on a schedule (APScheduler 3): the jobs and their triggers, from the
``[schedule]``, ``[campaign]``, ``[archive]`` and ``[metrics]`` settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from daemon.app.runtime import Daemon


def add_jobs(daemon: Daemon) -> None:
    """The scheduler's jobs, each run through the daemon's guard (a failure said once, the
    loop never stopped): the queue depth for the metrics, the campaign, the bounce poll, the
    reminders, the chain head's export, filing sent copies."""
    scheduler = daemon.scheduler
    s = daemon.app.ctx.settings.schedule
    if daemon.app.ctx.settings.metrics.port is not None:
        scheduler.add_job(
            daemon.guarded,
            IntervalTrigger(seconds=15),
            args=["queue depth", daemon.count_queue],
            id="queue-depth",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(scheduler.timezone),
        )
    if daemon.app.ctx.settings.campaign.scheduled:
        scheduler.add_job(
            daemon.guarded,
            CronTrigger(hour=s.reminder_time.hour, minute=s.reminder_time.minute),
            args=["campaign", daemon.campaign_once],
            id="campaign",
            max_instances=1,
            coalesce=True,
        )
    scheduler.add_job(
        daemon.guarded,
        IntervalTrigger(minutes=s.bounce_poll_minutes),
        args=["bounce poll", daemon.poll_bounces_once],
        id="bounce-poll",
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        daemon.guarded,
        CronTrigger(hour=s.reminder_time.hour, minute=s.reminder_time.minute),
        args=["reminders", daemon.remind_once],
        id="reminders",
        max_instances=1,
        coalesce=True,
    )
    archive = daemon.app.ctx.settings.archive
    if archive.head_export is not None:
        scheduler.add_job(
            daemon.guarded,
            IntervalTrigger(minutes=archive.head_export_minutes),
            args=["chain head export", daemon.app.export_head],
            id="chain-head",
            max_instances=1,
            coalesce=True,
        )
    scheduler.add_job(
        daemon.guarded,
        IntervalTrigger(minutes=5),
        args=["sent folder", daemon.worker.file_pending_sent_copies],
        id="sent-folder",
        max_instances=1,
        coalesce=True,
    )
