from __future__ import annotations

from daemon.domain.verp import find_verp, sign, verp_address

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
