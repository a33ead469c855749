"""The asyncio service behind `facturier run`.

Three loops and a scheduler: the watched ingest folder, the send worker, APScheduler jobs
(bounce poll every N minutes, the daily reminder run, filing sent copies). SIGTERM or
SIGINT stops taking new work; a send in flight finishes; then the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from daemon.app.jobs import run_once_per_slot
from daemon.app.services import Facturier
from mailer.errors import MailboxError
from mailer.mailbox import ImapMailbox

log = logging.getLogger(__name__)


class Daemon:
    def __init__(self, app: Facturier):
        self.app = app
        self.stopping = asyncio.Event()
        self.worker = app.worker()
        self.scheduler = AsyncIOScheduler(timezone=ZoneInfo(app.ctx.settings.schedule.timezone))

    def request_stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stop requested: finishing in-flight work")
            self.stopping.set()

    async def _guarded(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        try:
            await job()
        except MailboxError as exc:
            log.warning("%s: mailbox unavailable: %s", name, exc)
        except Exception:
            log.exception("%s failed; will run again at its next slot", name)

    async def _loop(self, name: str, every: float, job: Callable[[], Awaitable[object]]) -> None:
        while not self.stopping.is_set():
            await self._guarded(name, job)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=every)

    async def _send_some(self) -> None:
        # a claimed delivery is always sent to the end, even while stopping
        await self.worker.run_once(stop=self.stopping.is_set)

    async def _watch_bounce_mailbox(self) -> None:
        """IMAP IDLE on the bounce mailbox: poll as soon as the server announces new mail.

        The scheduled poll keeps running beside it (and is all there is when the source is a
        Maildir or the server has no IDLE). A lost connection is re-made with backoff.
        """
        imap = self.app.ctx.settings.imap
        if imap.source != "imap" or not imap.idle:
            return
        delay = 1.0
        while not self.stopping.is_set():
            mailbox = self.app.ctx.bounce_mailbox()
            assert isinstance(mailbox, ImapMailbox)
            try:
                await mailbox.open()
                if not mailbox.offers_idle():
                    log.info("bounce mailbox has no IDLE: polling on the schedule only")
                    return
                delay = 1.0
                while not self.stopping.is_set():
                    if await mailbox.wait_for_news(imap.idle_seconds):
                        await self._guarded("bounce poll (IDLE)", self.app.poll_bounces)
            except MailboxError as exc:
                wait = delay * random.uniform(0.8, 1.2)
                log.warning("bounce mailbox IDLE: %s; reconnecting in %.1f s", exc, wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), timeout=wait)
                delay = min(delay * 2, imap.reconnect_max_seconds)
            finally:
                await mailbox.close()

    async def poll_bounces_once(self) -> object:
        """One poll per interval slot across all instances sharing the database."""
        seconds = self.app.ctx.settings.schedule.bounce_poll_minutes * 60
        slot = str(int(time.time() // seconds))
        return await run_once_per_slot(
            self.app.ctx.sessions,
            "bounce-poll",
            slot,
            self.app.ctx.instance,
            self.app.poll_bounces,
        )

    async def _once_today(self, job: str, fn: Callable[[], Awaitable[object]]) -> object:
        """``fn``, once per day (in the scheduler's time zone) across instances."""
        today = datetime.now(self.scheduler.timezone).date().isoformat()
        return await run_once_per_slot(self.app.ctx.sessions, job, today, self.app.ctx.instance, fn)

    async def remind_once(self) -> object:
        """The day's reminder run, once per day across instances."""
        return await self._once_today("reminders", self.app.reminders.run)

    async def campaign_once(self) -> object:
        """The day's central-address campaign run (asks again whoever is due), once per day
        across instances."""
        by = f"schedule ({self.app.ctx.instance})"
        return await self._once_today("campaign", lambda: self.app.campaign.run(by=by))

    def _schedule(self) -> None:
        s = self.app.ctx.settings.schedule
        if self.app.ctx.settings.campaign.scheduled:
            self.scheduler.add_job(
                self._guarded,
                CronTrigger(hour=s.reminder_time.hour, minute=s.reminder_time.minute),
                args=["campaign", self.campaign_once],
                id="campaign",
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.add_job(
            self._guarded,
            IntervalTrigger(minutes=s.bounce_poll_minutes),
            args=["bounce poll", self.poll_bounces_once],
            id="bounce-poll",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self._guarded,
            CronTrigger(hour=s.reminder_time.hour, minute=s.reminder_time.minute),
            args=["reminders", self.remind_once],
            id="reminders",
            max_instances=1,
            coalesce=True,
        )
        archive = self.app.ctx.settings.archive
        if archive.head_export is not None:
            self.scheduler.add_job(
                self._guarded,
                IntervalTrigger(minutes=archive.head_export_minutes),
                args=["chain head export", self.app.export_head],
                id="chain-head",
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.add_job(
            self._guarded,
            IntervalTrigger(minutes=5),
            args=["sent folder", self.worker.file_pending_sent_copies],
            id="sent-folder",
            max_instances=1,
            coalesce=True,
        )

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        s = self.app.ctx.settings.schedule
        self._schedule()
        self.scheduler.start()
        log.info("facturier running as %s", self.app.ctx.instance)
        watcher = asyncio.create_task(self._watch_bounce_mailbox())
        try:
            await asyncio.gather(
                self._loop("ingest", s.ingest_poll_seconds, self.app.ingest.scan_watch_folder),
                self._loop("send", s.send_poll_seconds, self._send_some),
                self._loop("bounce poll (startup)", 1e9, self.poll_bounces_once),
            )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self.scheduler.shutdown(wait=False)
            await self.worker.close()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        log.info("facturier stopped")
        return 0
