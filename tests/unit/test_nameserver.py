"""`check-domain --nameserver`: a DNS server as an admin writes it, or a one-line refusal
(dnspython takes only an address: a name, or anything else, was an unexpected ValueError)."""

from __future__ import annotations

import pytest

from daemon.app.domain_check import nameserver_address, resolver_for
from daemon.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("192.0.2.53:5353", ("192.0.2.53", 5353)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
        ("[2001:db8::53]", ("2001:db8::53", 53)),
        (" 192.0.2.53 ", ("192.0.2.53", 53)),
    ],
)
def test_an_address_with_or_without_its_port(written: str, expected: tuple[str, int]) -> None:
    assert nameserver_address(written) == expected
    resolver = resolver_for(written)
    assert (resolver.nameservers, resolver.port) == ([expected[0]], expected[1])


def test_a_name_is_looked_up() -> None:
    address, port = nameserver_address("localhost:5353")
    assert address in ("127.0.0.1", "::1") and port == 5353


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("192.0.2.53:99999", "is not host or host:port"),
        ("192.0.2.53:x", "is not host or host:port"),
        ("-1", "neither an IP address nor a name found in DNS"),
        ("no-such-host.invalid", "neither an IP address nor a name found in DNS"),
        ("", "neither an IP address nor a name found in DNS"),
    ],
)
def test_anything_else_is_refused_naming_it(written: str, said: str) -> None:
    with pytest.raises(ValidationError, match=said):
        nameserver_address(written)
