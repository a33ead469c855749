"""The `facturier` command: the composition root.

The frame (sub-commands, settings, error reporting) is ``cli_base``; the commands are in
``cli_invoices`` (for invoices and their delivery), ``cli_proof``, ``cli_queue``,
``cli_billing``, ``cli_payments``, ``cli_customers``, ``cli_report``, ``cli_mail``,
``cli_ops`` and ``cli_admin`` (for the admin). The one upward import in the project,
launching the TUI, lives in ``cli_admin``.
"""

from __future__ import annotations

import sys

import typer

from daemon.app import (
    cli_admin,
    cli_billing,
    cli_customers,
    cli_help,
    cli_invoices,
    cli_mail,
    cli_ops,
    cli_payments,
    cli_proof,
    cli_queue,
    cli_report,
)
from daemon.app.cli_base import app, report_failure, state, use_environment_language
from daemon.app.cli_usage import is_usage_error, usage_line
from daemon.domain.i18n import _

__all__ = [
    "app",
    "cli_admin",
    "cli_billing",
    "cli_customers",
    "cli_invoices",
    "cli_mail",
    "cli_ops",
    "cli_payments",
    "cli_proof",
    "cli_queue",
    "cli_report",
    "main",
]


def main() -> None:
    """The `facturier` command. A command line it cannot take is said in one line in the
    operator's language (``cli_usage``), as every other failure is."""
    use_environment_language()  # the settings' language, once the main callback reads them
    command = typer.main.get_command(app)
    cli_help.translate(command, typer.Context(command))  # facturier --help, before settings
    try:
        code = command(standalone_mode=False)
    except Exception as exc:
        if type(exc).__name__ == "Abort":  # a question answered with Ctrl-C or Ctrl-D
            typer.secho(_("aborted"), err=True, fg=typer.colors.RED)
            sys.exit(1)
        if not is_usage_error(exc):
            # what failed outside a command's own guard (a path given that the system
            # cannot even look at, one too long): one line too, never a traceback
            try:
                report_failure(exc, state.settings)
            except typer.Exit as ended:
                sys.exit(ended.exit_code)
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one has shown the help
            typer.secho(usage_line(exc), err=True, fg=typer.colors.RED)
        sys.exit(int(getattr(exc, "exit_code", 2)))
    # a command's own exit code (typer.Exit); a command that returns, 0
    sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else 0)
