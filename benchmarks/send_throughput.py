"""Send throughput: facturier end to end against Postfix's own smtp-source, into smtp-sink.

Usage: python benchmarks/send_throughput.py [--count 2000] [--pg URL] [--no-pg]
       [--instances N] [--connections N] [--rounds N] [--profile F]

1. smtp-sink listens on a free loopback port.
2. (a) smtp-source pushes one of facturier's composed invoice messages (a ~120 KB Factur-X
   PDF attached), the same bytes ``--count`` times over one kept-open connection.
3. (b) facturier sends ``--count`` such invoices end to end: claim, compose, archive with
   fsync, SMTP, record, in a child process, on SQLite and on PostgreSQL. Invoices are
   generated and imported first; that part is not timed.
Steps 3 then 2 are repeated ``--rounds`` times (3), each facturier run on freshly imported
invoices; single runs on a shared 2-core machine vary by 20% or more, on both sides, so each
round's figures are printed and the medians of (b) and of (a) are compared.
Prints messages/s for each, the ratio (b)/(a), and facturier's peak RSS: the largest sum,
sampled every 50 ms, over one instance and its compose worker processes.
Needs Postfix's smtp-sink and smtp-source, and root or a user to drop to (``-u``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import load_settings
from daemon.app.demo_samples import SampleInvoice, embed, invoice_series, sample_page
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.dkim import new_key

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def start_sink(port: int) -> subprocess.Popen[bytes]:
    """Postfix's smtp-sink on ``port``, accepting everything (the relay both runs push to)."""
    return subprocess.Popen(
        ["smtp-sink", "-u", "postfix", f"127.0.0.1:{port}", "256"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def invoice_page() -> bytes:
    """The PDF page every benchmark invoice is made from (with filler: ~120 KB)."""
    sample = SampleInvoice(
        "TP-page", "Dupont", "C-1", None, date(2026, 1, 5), date(2026, 2, 4), Decimal(100)
    )
    return sample_page(sample, filler_pages=3)


def asyncpg_url(admin_url: str, database: str) -> str:
    """The URL facturier uses for ``database`` on the server of ``admin_url``."""
    server = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{server}/{database}"


def write_config(folder: Path, url: str, port: int, dkim: str = "none") -> Path:
    config = folder / "facturier.toml"
    signing = ""
    if dkim != "none":
        pem, _key = new_key(dkim)
        (folder / "dkim.pem").write_bytes(pem)
        signing = '[dkim]\nselector = "bench"\nkey_file = "dkim.pem"\n'
    config.write_text(
        signing
        + f"""
[database]
url = "{url}"
[sender]
name = "ACME"
address = "factures@acme.example"
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
[imap]
source = "maildir"
maildir = "bounces"
append_sent = false
[archive]
path = "archive"
[ingest]
store = "invoices"
check_xsd = false
"""
    )
    return config


async def prepare(config: Path, count: int, page: bytes) -> bytes:
    """Import ``count`` invoices; return one composed message for smtp-source."""
    folder = config.parent / "bulk"
    folder.mkdir()
    for inv in invoice_series("TP", count):
        (folder / f"{inv.number}.pdf").write_bytes(embed(page, inv))
    app = await Facturier.open(load_settings(config))
    try:
        await app.customers.add(
            NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1"), changed_by="bench"
        )
        results = await app.ingest.import_paths([folder])
        assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
        worker = app.worker()
        ids = await worker.claim(1)
        ((delivery, invoice, customer),) = await worker.batches.load(ids[:1])
        order = await worker.batches.order(delivery, invoice, customer, archive=False)
        [made] = await app.ctx.maker.make_many([order])
        assert not isinstance(made, BaseException), made
        raw = made.raw
        # put it back in the queue untouched by the measurement
        from sqlalchemy import update

        from daemon.domain.models import Delivery

        async with app.ctx.sessions() as session, session.begin():
            await session.exec(
                update(Delivery)
                .where(Delivery.id == ids[0])  # type: ignore
                .values(state="queued", lease_owner=None, lease_expires_at=None)
            )
        return raw
    finally:
        await app.close()


async def child(config: Path, profile: Path | None) -> None:
    app = await Facturier.open(load_settings(config), migrate=False)
    try:
        profiler = cProfile.Profile() if profile else None
        start = time.time()
        if profiler:
            profiler.enable()
        outcomes = await app.send_due()
        end = time.time()
        if profiler:
            profiler.disable()
            profiler.dump_stats(str(profile))
        ok = sum(o.state == "accepted" for o in outcomes)
        print(f"{ok} {start} {end}")
    finally:
        await app.close()


def _tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants (its compose workers), in MB,
    read from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


class _PeakTreeRss(threading.Thread):
    """Samples the summed RSS of each process tree every 50 ms; ``peak`` is the largest."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.peak, self.done = roots, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            for root in self.roots:
                self.peak = max(self.peak, _tree_rss_mb(root))


def run_facturier(config: Path, profile: Path | None, instances: int) -> tuple[int, float, float]:
    """Run ``instances`` facturier processes on the queue; (accepted, seconds, peak RSS MB
    of one instance with its worker processes, all summed)."""
    procs = []
    for n in range(instances):
        extra = ["--profile", f"{profile}.{n}"] if profile else []
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--child", str(config), *extra],
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    sampler = _PeakTreeRss([proc.pid for proc in procs])
    sampler.start()
    total, starts, ends, rss = 0, [], [], 0.0
    for proc in procs:
        assert proc.stdout is not None
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise RuntimeError(f"child failed: {out}")
        ok, start, end = out.split()
        total += int(ok)
        starts.append(float(start))
        ends.append(float(end))
        rss = max(rss, usage.ru_maxrss / 1024)
    sampler.done.set()
    sampler.join()
    return total, max(ends) - min(starts), max(rss, sampler.peak)


def fresh_database(label: str, folder: Path, pg: str, created: list[str]) -> str:
    """The URL of an empty database for one run: a SQLite file in ``folder``, or a new
    PostgreSQL database (its name added to ``created``, for dropping at the end)."""
    if label == "sqlite":
        return f"sqlite+aiosqlite:///{folder / 'f.db'}"
    name = f"facturier_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", pg, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    created.append(name)
    return asyncpg_url(pg, name)


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def smtp_source(eml: Path, count: int, port: int) -> float:
    """Messages a second of smtp-source pushing ``eml`` ``count`` times on one connection."""
    start = time.perf_counter()
    subprocess.run(
        [
            "smtp-source",
            "-d",
            "-s",
            "1",
            "-m",
            str(count),
            "-F",
            str(eml),
            "-f",
            "factures@acme.example",
            "-t",
            "factures@dupont.example",
            f"127.0.0.1:{port}",
        ],
        check=True,
    )
    return count / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=_at_least_one, default=2000)
    ap.add_argument("--pg", default=PG_ADMIN, help="an admin URL of a PostgreSQL server")
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument(
        "--instances",
        type=int,
        default=1,
        help="facturier processes sharing the queue (the scale-out deployment)",
    )
    ap.add_argument("--connections", type=int, default=1, help="smtp.max_connections")
    ap.add_argument(
        "--rounds",
        type=_at_least_one,
        default=3,
        help="rounds of (b) then (a), each on fresh databases; medians are compared",
    )
    ap.add_argument(
        "--profile",
        type=Path,
        help="write cProfile stats of each facturier run to PROFILE.<database>.<round>.<instance>",
    )
    ap.add_argument(
        "--dkim",
        choices=("none", "rsa", "ed25519"),
        default="none",
        help="sign every message with a DKIM key of this kind",
    )
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        asyncio.run(child(args.child, args.profile))
        return 0
    for tool in ("smtp-sink", "smtp-source"):
        if shutil.which(tool) is None:
            print(f"{tool} not found (apt-get install postfix)", file=sys.stderr)
            return 2
    port = free_port()
    sink = start_sink(port)
    work = Path(tempfile.mkdtemp(prefix="facturier-bench-"))
    databases: list[str] = []
    try:
        wait_port(port)
        page = invoice_page()
        labels = ["sqlite"] if args.no_pg else ["sqlite", "postgresql"]
        baselines: list[float] = []
        rates: dict[str, list[float]] = {label: [] for label in labels}
        rss: dict[str, float] = dict.fromkeys(labels, 0.0)
        accepted: dict[str, int] = dict.fromkeys(labels, 0)
        eml = work / "message.eml"
        for n in range(args.rounds):
            for label in labels:
                folder = work / f"{label}-{n}"
                folder.mkdir()
                config = write_config(
                    folder, fresh_database(label, folder, args.pg, databases), port, args.dkim
                )
                message = asyncio.run(prepare(config, args.count, page))
                limit = f"[smtp]\nmax_connections = {args.connections}\n"
                config.write_text(config.read_text().replace("[smtp]\n", limit))
                profile = args.profile.with_suffix(f".{label}.{n}") if args.profile else None
                ok, elapsed, peak = run_facturier(config, profile, args.instances)
                rates[label].append(ok / elapsed)
                rss[label] = max(rss[label], peak)
                accepted[label] += ok
            if n == 0:
                eml.write_bytes(message)
            baselines.append(smtp_source(eml, args.count, port))
            print(
                f"round {n + 1}: smtp-source {baselines[-1]:.1f} msg/s, "
                + ", ".join(
                    f"{label} {r[-1]:.1f} msg/s (ratio {r[-1] / baselines[-1]:.3f})"
                    for label, r in rates.items()
                ),
                flush=True,
            )
        baseline = statistics.median(baselines)
        rounds = f"median of {args.rounds}"
        size_kb = eml.stat().st_size / 1024
        print(f"message size: {size_kb:.0f} KB, {args.count} messages, one connection")
        print(f"(a) smtp-source             {baseline:8.1f} msg/s   ({rounds})")
        print(f"(b) {args.instances} instance(s), {args.connections} connection(s) each")
        for label in labels:
            rate = statistics.median(rates[label])
            print(
                f"(b) facturier on {label:10} {rate:8.1f} msg/s   ratio {rate / baseline:.3f}   "
                f"peak RSS {rss[label]:.0f} MB per instance with its workers   "
                f"({accepted[label]} of {args.count * args.rounds} accepted; {rounds})"
            )
    finally:
        sink.terminate()
        shutil.rmtree(work, ignore_errors=True)
        for name in databases:
            drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            subprocess.run(["psql", args.pg, "-qc", drop], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
