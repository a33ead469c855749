"""What the health checks and the CLI's marks say: a relay that answers nothing is said to
have timed out, and the marks are in the reader's language, as wide as "ok"."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from daemon.app import health
from daemon.app.reporting import FAILED, IS_DOWN, TO_FIX, mark
from daemon.domain import i18n


async def test_a_relay_that_says_nothing_is_said_to_have_timed_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """'exc or "timed out"' never said it: an exception is always true, and a
    TimeoutError's text is empty, so the check read "said nothing: "."""
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.2)

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(2)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    smtp = SimpleNamespace(host="127.0.0.1", port=port, security="none")
    ctx: Any = SimpleNamespace(settings=SimpleNamespace(smtp=smtp))
    try:
        check = await health.relay(ctx)
    finally:
        server.close()
    assert not check.ok
    assert str(check.detail) == f"127.0.0.1:{port} said nothing: timed out"


@pytest.mark.parametrize(
    ("bad", "english", "french"),
    [(FAILED, "FAIL", "ÉCHEC"), (TO_FIX, "FIX", "À CORRIGER"), (IS_DOWN, "DOWN", "EN PANNE")],
)
def test_a_lines_mark_is_in_the_readers_language_and_as_wide_as_ok(
    bad: str, english: str, french: str
) -> None:
    assert (mark(True, bad), mark(False, bad)) == ("ok".ljust(len(english)), english)
    i18n.use("fr")
    try:
        assert mark(False, bad) == french and mark(True, bad) == "ok".ljust(len(french))
    finally:
        i18n.use("en")
