from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from bounce_parser import Classification, Kind, RecipientResult
from config import SenderSettings
from daemon.domain.errors import KeyFileError
from daemon.domain.fields import as_plain_text
from daemon.domain.verp import find_verp, sign, verp_address
from daemon.inbound.tying import notice_key
from daemon.store.keys import ensure_key_file, signing_key
from tests.helpers import pipe_let_go_after

KEY = b"k" * 32


def test_round_trip_and_forgery() -> None:
    addr = verp_address("bounces@acme.example", "deadbeef00112233", KEY)
    assert addr.startswith("bounces+deadbeef00112233.") and addr.endswith("@acme.example")
    good = find_verp(("someone@else.example", addr.upper()), "bounces@acme.example", KEY)
    assert good is not None and good.valid and good.token == "deadbeef00112233"
    forged = addr.replace(sign("deadbeef00112233", KEY), "0" * 20)
    bad = find_verp((forged,), "bounces@acme.example", KEY)
    assert bad is not None and not bad.valid
    other_key = find_verp((addr,), "bounces@acme.example", b"other")
    assert other_key is not None and not other_key.valid
    assert find_verp(("bounces+garbage@acme.example",), "bounces@acme.example", KEY) == find_verp(
        ("bounces+garbage@acme.example",), "bounces@acme.example", KEY
    )
    assert find_verp(("x@y.example",), "bounces@acme.example", KEY) is None


def test_a_key_file_is_made_once_owner_only_and_read_back(tmp_path: Path) -> None:
    """VERP's secret is generated on first run; a second start (or a second instance on the
    same data folder) keeps the first one, or every bounce in flight would read as forged."""
    path = tmp_path / "var" / "verp.key"
    settings = SenderSettings(verp_key_file=path)
    assert settings.verp_key() is None
    assert ensure_key_file(path) and not ensure_key_file(path)
    key = settings.verp_key()
    assert key is not None and len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert SenderSettings(verp_key_file=path).verp_key() == key
    assert SenderSettings(verp_key_file=path, verp_secret="given").verp_key() == b"given"
    assert list(path.parent.iterdir()) == [path]  # no scratch file left


@pytest.mark.parametrize(
    "content",
    [
        b"garbage\n",  # damaged
        b"",  # emptied
        # another kind of key (an admin's RSA key copied over it)
        rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        ),
    ],
    ids=["damaged", "empty", "rsa"],
)
def test_a_signing_key_that_cannot_be_used_is_named_and_kept(
    tmp_path: Path, content: bytes
) -> None:
    """Not an unexpected error, and not replaced by a new key (which would not verify the
    heads and proofs signed before): the admin reads which file and what to do."""
    path = tmp_path / "signing.key"
    path.write_bytes(content)
    with pytest.raises(KeyFileError, match="restore it from a backup") as refused:
        signing_key(path)
    assert str(path) in str(refused.value)
    assert path.read_bytes() == content


def test_a_pipe_in_the_signing_keys_place_is_named_not_waited_on(tmp_path: Path) -> None:
    path = tmp_path / "signing.key"
    os.mkfifo(path)
    with pipe_let_go_after(path), pytest.raises(KeyFileError, match="restore it from a backup"):
        signing_key(path)


def _bounce(diagnostic: str, subject: str) -> Classification:
    return Classification(
        kind=Kind.BOUNCE,
        recipients=(
            RecipientResult("a@b.example", "5.1.1", "userunknown", "failed", True, diagnostic),
        ),
        reporting_mta="mx.b.example",
        arrival_date="Fri, 4 Dec 2026 08:00:00 +0000",
        subject=subject,
        addressed_to=("bounces@acme.example",),
    )


def test_a_notice_is_known_by_what_it_says_not_by_its_headers() -> None:
    first = _bounce("550 5.1.1 no such user", "Undelivered")
    replay = dataclasses.replace(first, subject="Re-sent", addressed_to=("x@y.example",))
    assert notice_key(first, 7) == notice_key(replay, 7)
    assert notice_key(first, 7) != notice_key(first, 8)  # about another delivery
    assert notice_key(first, 7) != notice_key(_bounce("550 5.1.1 gone", "Undelivered"), 7)


@pytest.mark.parametrize(
    ("outsider", "stored"),
    [
        ("verify at https://evil.example/login now", "verify at hxxps://evil[.]example/login now"),
        ("see www.evil.example/a.b", "see www[.]evil[.]example/a.b"),
        ("HTTP://A.B", "hxxp://A[.]B"),
        ("550\x1b[2J 5.1.1\r\nuser\tunknown", "550 [2J 5.1.1 user unknown"),
        ("550 5.1.1 <a.b@c.example>: unknown", "550 5.1.1 <a.b@c.example>: unknown"),
    ],
)
def test_text_from_a_notice_is_stored_as_text(outsider: str, stored: str) -> None:
    assert as_plain_text(outsider) == stored
