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

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import start_http_server

from config import Settings
from daemon.app import health
from daemon.app.failures import describe
from daemon.app.jobs import run_once_per_slot
from daemon.app.schedule import add_jobs
from daemon.app.services import Facturier
from daemon.app.systemd import Notifier
from daemon.domain import i18n, metrics
from mailer.errors import MailboxError
from mailer.mailbox import ImapMailbox

log = logging.getLogger(__name__)


RESTART_TO_APPLY = ("database", "smtp", "imap", "sender", "archive", "ingest", "log")
"""Settings a running service keeps until it is restarted (connections and folders in use);
the others are taken on SIGHUP."""


class Daemon:
    def __init__(
        self,
        app: Facturier,
        reload_settings: Callable[[], Settings] | None = None,
        notifier: Notifier | None = None,
    ):
        self.app = app
        self.stopping = asyncio.Event()
        self.worker = app.worker()
        self.scheduler = AsyncIOScheduler(timezone=app.ctx.settings.schedule.zone)
        self.reload_settings = reload_settings
        self.notifier = notifier or Notifier()
        self._failing: dict[str, str] = {}
        """Each job failing now, and what it failed with (said once, until it changes)."""

    def request_stop(self) -> None:
        if not self.stopping.is_set():
            log.info("stop requested: finishing in-flight work")
            self.notifier.stopping()
            self.stopping.set()

    async def reload(self) -> None:
        """SIGHUP: read the settings file again and take what a running service can (the
        templates and DKIM key through new compose workers, the schedule, reminders,
        campaign, compliance, delivery limits, language); the rest waits for a restart."""
        if self.reload_settings is None:
            return
        self.notifier.reloading()
        try:
            fresh = await asyncio.to_thread(self.reload_settings)
        except Exception as exc:  # a settings file broken on the way: keep running as is
            log.error("reload refused, settings unchanged: %s", exc)
            self.notifier.ready("running; the last reload was refused")
            return
        try:
            kept = await self._take(fresh)
        except Exception:  # never let a reload stop the service
            log.exception("reload failed part way: restart the service to apply the settings")
            self.notifier.ready("running; the last reload failed")
            return
        log.info(
            "settings reloaded%s",
            f"; restart the service to apply [{'], ['.join(kept)}]" if kept else "",
        )
        self.notifier.ready("running; settings reloaded")

    async def _take(self, fresh: Settings) -> list[str]:
        """Take ``fresh``'s sections a running service can; the names of those it keeps."""
        current = self.app.ctx.settings
        kept = [
            name
            for name in RESTART_TO_APPLY
            if name in type(current).model_fields
            and getattr(fresh, name).model_dump() != getattr(current, name).model_dump()
        ]
        for name in type(current).model_fields:
            if name not in RESTART_TO_APPLY:
                setattr(current, name, getattr(fresh, name))
        await self.app.ctx.restart_makers()
        self.scheduler.remove_all_jobs()
        add_jobs(self)
        return kept

    def _serve_metrics(self) -> None:
        """Prometheus' endpoint in a thread of its own, and the queue depth kept current."""
        m = self.app.ctx.settings.metrics
        if m.port is None:
            return
        start_http_server(m.port, m.address, registry=metrics.REGISTRY)
        log.info("metrics on http://%s:%s/metrics", m.address, m.port)

    async def count_queue(self) -> None:
        metrics.QUEUE_DEPTH.set((await health.figures(self.app.ctx)).queue_depth)

    async def _watchdog(self) -> None:
        """Tell systemd the event loop is alive, at half its WatchdogSec: a stalled loop
        stops telling, and systemd restarts the service."""
        every = self.notifier.watchdog_seconds
        if every is None:
            return
        while not self.stopping.is_set():
            self.notifier.watchdog()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=every / 2)

    async def _until_ready(self) -> bool:
        """Check the database, the archive and the relay until all work (each failure said
        once, then again when it changes); False when a stop came first."""
        said: set[str] = set()
        while not self.stopping.is_set():
            checks = await health.readiness(self.app.ctx)
            bad = [c for c in checks if not c.ok]
            if not bad:
                return True
            for c in bad:
                if f"{c.name}: {c.detail}" not in said:
                    log.error("not ready: %s: %s", c.name, c.detail)
            said = {f"{c.name}: {c.detail}" for c in bad}
            self.notifier.status("waiting for " + ", ".join(c.name for c in bad))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), timeout=5.0)
        return False

    async def guarded(self, name: str, job: Callable[[], Awaitable[object]]) -> None:
        """Run a job; what fails is logged, and never stops the loop. A failure is logged
        when it starts or changes, not on every run while it lasts (a database down for
        30 s made 21 tracebacks of the send loop), and its end is logged too. A bug keeps
        its traceback; an operational failure (the database, a disk, the relay) is one line
        saying what to do (``failures.describe``)."""
        try:
            await job()
        except MailboxError as exc:
            log.warning("%s: mailbox unavailable: %s", name, exc)
        except Exception as exc:
            with i18n.speaking("en"):  # the journal speaks one language, as its own lines
                failure = describe(exc, self.app.ctx.settings.database.url)
            said = failure.message if failure is not None else f"{type(exc).__name__}: {exc}"
            if self._failing.get(name) == said:
                return
            self._failing[name] = said
            if failure is None:
                log.exception("%s failed; will run again at its next slot", name)
            else:
                log.error(
                    "%s failed: %s; will run again at its next slot, and say when it works",
                    name,
                    failure.message,
                )
        else:
            if self._failing.pop(name, None) is not None:
                log.info("%s works again", name)

    async def _loop(self, name: str, every: float, job: Callable[[], Awaitable[object]]) -> None:
        while not self.stopping.is_set():
            await self.guarded(name, job)
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
                        await self.guarded("bounce poll (IDLE)", self.app.poll_bounces)
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
        today = self.app.today().isoformat()
        return await run_once_per_slot(self.app.ctx.sessions, job, today, self.app.ctx.instance, fn)

    async def remind_once(self) -> object:
        """The day's reminder run, once per day across instances."""
        return await self._once_today("reminders", self.app.reminders.run)

    async def campaign_once(self) -> object:
        """The day's central-address campaign run (asks again whoever is due), once per day
        across instances."""
        by = f"schedule ({self.app.ctx.instance})"
        return await self._once_today("campaign", lambda: self.app.campaign.run(by=by))

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        reloads: set[asyncio.Task[None]] = set()

        def on_hangup() -> None:
            task = asyncio.create_task(self.reload())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        loop.add_signal_handler(signal.SIGHUP, on_hangup)
        watchdog = asyncio.create_task(self._watchdog())
        if not await self._until_ready():
            watchdog.cancel()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            return 0
        s = self.app.ctx.settings.schedule
        self._serve_metrics()
        add_jobs(self)
        self.scheduler.start()
        log.info("facturier running as %s", self.app.ctx.instance)
        self.notifier.ready(f"running as {self.app.ctx.instance}")
        watcher = asyncio.create_task(self._watch_bounce_mailbox())
        try:
            await asyncio.gather(
                self._loop("ingest", s.ingest_poll_seconds, self.app.ingest.scan_watch_folder),
                self._loop("send", s.send_poll_seconds, self._send_some),
                self._loop("bounce poll (startup)", 1e9, self.poll_bounces_once),
            )
        finally:
            self.notifier.stopping()
            for task in (watcher, watchdog):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self.scheduler.shutdown(wait=False)
            await self.worker.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        log.info("facturier stopped (%s)", self.app.ctx.instance)
        return 0
