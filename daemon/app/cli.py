"""The `facturier` command: the composition root.

The frame (sub-commands, settings, error reporting) is ``cli_base``; the commands are in
``cli_invoices`` (for invoices and their delivery) and ``cli_admin`` (for the admin). The
one upward import in the project, launching the TUI, lives in ``cli_admin``.
"""

from __future__ import annotations

from daemon.app import cli_admin, cli_billing, cli_invoices, cli_mail, cli_ops, cli_report
from daemon.app.cli_base import app

__all__ = [
    "app",
    "cli_admin",
    "cli_billing",
    "cli_invoices",
    "cli_mail",
    "cli_ops",
    "cli_report",
    "main",
]


def main() -> None:
    app()
