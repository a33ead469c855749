"""Signed VERP return paths: ``local+TOKEN.SIG@domain``.

SIG is a truncated HMAC-SHA256 of TOKEN under the configured secret, so a bounce that names
a delivery in its return path proves it answers a message we sent; the check is constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

SIG_LEN = 20


def sign(token: str, key: bytes) -> str:
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:SIG_LEN]


def verp_address(return_path: str, token: str, key: bytes) -> str:
    local, _, domain = return_path.partition("@")
    return f"{local}+{token}.{sign(token, key)}@{domain}"


@dataclass(frozen=True)
class VerpMatch:
    token: str
    valid: bool


def find_verp(addresses: tuple[str, ...], return_path: str, key: bytes) -> VerpMatch | None:
    """The first of ``addresses`` shaped like our VERP return path, with its verdict."""
    local, _, domain = return_path.lower().partition("@")
    pattern = re.compile(
        rf"^{re.escape(local)}\+([0-9a-f]{{8,64}})\.([0-9a-f]{{{SIG_LEN}}})@{re.escape(domain)}$"
    )
    for addr in addresses:
        m = pattern.match(addr.lower())
        if m:
            token, sig = m.group(1), m.group(2)
            return VerpMatch(token, hmac.compare_digest(sig, sign(token, key)))
    shaped = re.compile(rf"^{re.escape(local)}\+[^@]+@{re.escape(domain)}$")
    for addr in addresses:
        if shaped.match(addr.lower()):
            return VerpMatch(addr.split("+", 1)[1].split("@", 1)[0], False)
    return None
