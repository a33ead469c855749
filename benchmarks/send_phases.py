"""Where the send path's time goes: wall time per phase, per message, one instance.

Usage: python benchmarks/send_phases.py [--count 1000] [--pg [ADMIN_URL]]

Sets up invoices as ``send_throughput.py`` does (smtp-sink on loopback; SQLite, or with
``--pg`` a new PostgreSQL database made through ADMIN_URL and dropped after), then sends
them with one worker whose phases are timed by wrapping its methods: claiming, loading,
composing, archiving (in threads, beside the composing), linking into the chain, recording
outcomes and hand-offs, and the SMTP conversation. With one connection the phases run one
after another, so their wall times add up to the run's; archiving runs in threads and
overlaps composing.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import send_throughput as bench

from config import load_settings
from daemon.app.services import Facturier
from daemon.outbound import batches
from daemon.outbound.batches import BatchMaker
from daemon.outbound.compose_workers import MessageMaker
from daemon.outbound.outcomes import OutcomeRecorder
from daemon.outbound.worker import DeliveryWorker
from mailer.smtp.relay import SmtpRelay

SPENT: Counter[str] = Counter()
CALLS: Counter[str] = Counter()


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its wall time to ``label``."""
    original: Callable[..., Any] = getattr(owner, name)
    if asyncio.iscoroutinefunction(original):

        @functools.wraps(original)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                SPENT[label] += time.perf_counter() - start
                CALLS[label] += 1

    else:

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                SPENT[label] += time.perf_counter() - start
                CALLS[label] += 1

    setattr(owner, name, wrapper)


async def send(config: Path) -> None:
    timed(DeliveryWorker, "claim", "claim (lease a batch)")
    timed(BatchMaker, "load", "load the batch")
    timed(BatchMaker, "finish", "wait for the batch made, chain it")
    timed(MessageMaker, "make_many", "  make a batch (compose + archive, maker)")
    timed(batches, "append_entries", "  chain transaction")
    timed(OutcomeRecorder, "write", "record outcome + next hand-off")
    timed(SmtpRelay, "send", "SMTP MAIL/RCPT/DATA")
    app = await Facturier.open(load_settings(config), migrate=False)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    try:
        start, cpu = time.perf_counter(), time.process_time()
        outcomes = await app.send_due()
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        await app.close()  # the compose workers end here, so their CPU is counted below
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sent = sum(o.state == "accepted" for o in outcomes)
    print(f"{sent} accepted in {wall:.1f} s: {sent / wall:.1f} msg/s, {wall / sent * 1000:.2f} ms")
    print(f"  CPU of this process (all threads)        {cpu / sent * 1000:6.2f} ms a message")
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(
        f"  CPU of the compose workers               {(user + system) / sent * 1000:6.2f} ms "
        f"a message ({system / sent * 1000:.2f} ms of it in the kernel)"
    )
    worker_faults = after.ru_minflt - before.ru_minflt
    print(
        f"  page faults a message: {faults / sent:.0f} in this process, "
        f"{worker_faults / sent:.0f} in the compose workers"
    )
    for label, seconds in SPENT.most_common():
        print(f"  {label:40} {seconds / sent * 1000:6.2f} ms a message ({CALLS[label]} calls)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument(
        "--pg",
        nargs="?",
        const=bench.PG_ADMIN,
        help="use PostgreSQL: a new database on this server",
    )
    args = ap.parse_args()
    for tool in ("smtp-sink", *(["psql"] if args.pg else [])):
        if shutil.which(tool) is None:
            print(f"{tool} not found (apt-get install postfix postgresql-client)", file=sys.stderr)
            return 2
    database = None
    if args.pg:
        database = f"facturier_phases_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", args.pg, "-qc", f'CREATE DATABASE "{database}"'], check=True)
    port = bench.free_port()
    sink = bench.start_sink(port)
    work = Path(tempfile.mkdtemp(prefix="facturier-phases-"))
    try:
        bench.wait_port(port)
        (work / "run").mkdir()
        url = f"sqlite+aiosqlite:///{work / 'run' / 'f.db'}"
        if database:
            url = bench.asyncpg_url(args.pg, database)
        config = bench.write_config(work / "run", url, port)
        asyncio.run(bench.prepare(config, args.count, bench.invoice_page()))
        asyncio.run(send(config))
    finally:
        sink.kill()
        shutil.rmtree(work, ignore_errors=True)
        if database:
            drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
            subprocess.run(["psql", args.pg, "-qc", drop], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
