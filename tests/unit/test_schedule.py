"""The service's scheduled jobs, as the settings an admin writes ask for them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import load_settings
from daemon.app.schedule import add_jobs


async def _nothing() -> None:
    return None


async def _guarded(name: str, run: Any) -> None:
    await run()


def _daemon(settings_text: str, tmp_path: Path) -> Any:
    config = tmp_path / "facturier.toml"
    config.write_text(settings_text)
    settings = load_settings(config)
    return SimpleNamespace(
        scheduler=AsyncIOScheduler(timezone=ZoneInfo(settings.schedule.timezone)),
        app=SimpleNamespace(ctx=SimpleNamespace(settings=settings), export_head=_nothing),
        worker=SimpleNamespace(file_pending_sent_copies=_nothing),
        guarded=_guarded,
        count_queue=_nothing,
        campaign_once=_nothing,
        poll_bounces_once=_nothing,
        remind_once=_nothing,
    )


def _scheduled(settings_text: str, tmp_path: Path) -> dict[str, Any]:
    daemon = _daemon(settings_text, tmp_path)
    add_jobs(daemon)
    return {job.id: job for job in daemon.scheduler.get_jobs()}


def test_by_default_the_service_polls_bounces_reminds_daily_and_files_sent_copies(
    tmp_path: Path,
) -> None:
    jobs = _scheduled("", tmp_path)
    assert sorted(jobs) == ["bounce-poll", "reminders", "sent-folder"]
    assert jobs["bounce-poll"].trigger.interval.total_seconds() == 5 * 60
    assert str(jobs["reminders"].trigger.fields[5]) == "9"  # hour
    assert str(jobs["reminders"].trigger.fields[6]) == "0"  # minute
    # each run through the guard, under the name its failures are said with
    assert jobs["bounce-poll"].args[0] == "bounce poll"
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())


def test_the_settings_set_each_jobs_time_and_add_the_optional_ones(tmp_path: Path) -> None:
    jobs = _scheduled(
        '[schedule]\nbounce_poll_minutes = 2\nreminder_time = 07:30:00\ntimezone = "Europe/Paris"\n'
        "[campaign]\nscheduled = true\n"
        f'[archive]\nhead_export = "{tmp_path / "heads"}"\nhead_export_minutes = 30\n'
        "[metrics]\nport = 9464\n",
        tmp_path,
    )
    assert sorted(jobs) == [
        "bounce-poll",
        "campaign",
        "chain-head",
        "queue-depth",
        "reminders",
        "sent-folder",
    ]
    assert jobs["bounce-poll"].trigger.interval.total_seconds() == 2 * 60
    assert jobs["chain-head"].trigger.interval.total_seconds() == 30 * 60
    for daily in ("reminders", "campaign"):
        hour, minute = jobs[daily].trigger.fields[5:7]
        assert (str(hour), str(minute)) == ("7", "30")
        # at 07:30 in Paris, whatever zone the machine keeps (a server's is often UTC)
        assert str(jobs[daily].trigger.timezone) == "Europe/Paris"
    # the queue depth is counted as the service starts, not 15 s later
    assert jobs["queue-depth"].next_run_time <= datetime.now(
        jobs["queue-depth"].next_run_time.tzinfo
    )
