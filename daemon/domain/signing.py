"""Ed25519 signatures over canonical JSON (RFC 8032 via ``cryptography``): the exported chain
head and a proof package's manifest are signed this way, and checked with the public key
alone, without the database."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical(data: Any) -> bytes:
    """``data`` as the one byte string that is signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def fingerprint(public: str) -> str:
    """A short name of a public key, to compare with the one the installation publishes
    ("not a key" for text that is none: a manifest changed by hand may hold anything)."""
    try:
        return hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]
    except ValueError:
        return "not a key"


def sign(data: Any, key: Ed25519PrivateKey) -> str:
    return key.sign(canonical(data)).hex()


def signed_by(data: Any, signature: str, public: str) -> bool:
    """Whether ``signature`` is ``public``'s over ``data`` (a malformed key or signature is
    no signature)."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
            bytes.fromhex(signature), canonical(data)
        )
    except (InvalidSignature, ValueError):
        return False
    return True
