"""The service manager's side: systemd's notify protocol (sd_notify(3)) and the unit file.

The protocol is one datagram of ``KEY=value`` lines to the socket named by $NOTIFY_SOCKET (a
path, or an abstract name after "@"); without that variable every call does nothing. Written
here rather than taken from ``sdnotify``, unmaintained since 2017, which drops the abstract
namespace's errors silently.
"""

from __future__ import annotations

import logging
import os
import shlex
import socket
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET") or None
        self.address = "\0" + address[1:] if address and address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        mine = not pid or pid == str(os.getpid())
        self.watchdog_seconds = int(usec) / 1e6 if usec.isdigit() and mine else None

    def send(self, *lines: str) -> None:
        if self.address is None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto("\n".join(lines).encode(), self.address)
        except OSError as exc:
            log.warning("cannot tell the service manager %s: %s", lines[0], exc)

    def ready(self, status: str) -> None:
        self.send("READY=1", f"STATUS={status}", f"MAINPID={os.getpid()}")

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def reloading(self) -> None:
        monotonic = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
        self.send("RELOADING=1", f"MONOTONIC_USEC={monotonic}")

    def stopping(self) -> None:
        self.send("STOPPING=1")


def unit_file(config: Path, user: str | None = None) -> str:
    """A unit for this installation: its interpreter, its settings file, its data folder."""
    config = config.resolve()
    data = config.parent
    run = " ".join(
        shlex.quote(part)
        for part in (sys.executable, "-m", "daemon", "--config", str(config), "run")
    )
    return "\n".join(
        [
            "[Unit]",
            "Description=facturier: e-invoices delivered by email, and what became of each",
            "Wants=network-online.target",
            "After=network-online.target postgresql.service",
            "",
            "[Service]",
            "Type=notify",
            "NotifyAccess=main",
            f"ExecStart={run}",
            "ExecReload=/bin/kill -HUP $MAINPID",
            f"WorkingDirectory={shlex.quote(str(data))}",
            *([f"User={user}"] if user else []),
            "Restart=on-failure",
            "RestartSec=5s",
            "WatchdogSec=60s",
            "TimeoutStartSec=120s",
            "TimeoutStopSec=90s",
            "KillMode=mixed",
            "UMask=0077",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            f"ReadWritePaths={shlex.quote(str(data))}",
            "Environment=PYTHONUNBUFFERED=1 FACTURIER_LOG__FORMAT=journald",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
