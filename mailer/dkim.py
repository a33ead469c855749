"""DKIM signatures of outgoing mail (RFC 6376; Ed25519 by RFC 8463), made with dkimpy.

A message is signed once composed and before it is archived, so the archived bytes are the
bytes sent. The key file is a PEM private key, RSA or Ed25519 (``facturier dkim keygen``
writes either); the algorithm follows the key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import dkim
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from mailer.errors import N_, MailerError

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Cc",
    b"Reply-To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"MIME-Version",
    b"Content-Type",
    b"In-Reply-To",
    b"References",
)
"""RFC 6376 5.4.1's recommended fields, as facturier's messages carry them; From is required
(and signed twice over: an added From would break the signature, 8.15)."""


class DkimError(MailerError):
    """The DKIM key cannot be read or used: nothing is sent unsigned by accident."""


@dataclass(frozen=True)
class DkimKey:
    algorithm: bytes
    """``rsa-sha256`` or ``ed25519-sha256``."""
    private: bytes
    """As dkimpy takes it: a PEM RSA key, or the base64 Ed25519 seed (RFC 8463 3)."""
    public_record: str
    """The ``p=`` value of the DNS record: base64 SubjectPublicKeyInfo (RSA) or the raw
    32-byte Ed25519 public key (RFC 8463 4)."""

    @property
    def key_type(self) -> str:
        return "ed25519" if self.algorithm == b"ed25519-sha256" else "rsa"

    def dns_record(self, selector: str, domain: str) -> str:
        value = f"v=DKIM1; k={self.key_type}; p={self.public_record}"
        return f'{selector}._domainkey.{domain}. IN TXT "{value}"'


def read_key(path: Path) -> DkimKey:
    try:
        loaded = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise DkimError(N_("cannot read the DKIM key {path}: {why}"), path=path, why=exc) from exc
    return key_of(loaded, path)


def key_of(loaded: object, path: Path | str = "") -> DkimKey:
    if isinstance(loaded, Ed25519PrivateKey):
        seed = loaded.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        public = loaded.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return DkimKey(b"ed25519-sha256", base64.b64encode(seed), base64.b64encode(public).decode())
    if isinstance(loaded, RSAPrivateKey):
        if loaded.key_size < 1024:
            raise DkimError(
                N_("the DKIM key {path} has {bits} bits: RFC 8301 requires at least 1024"),
                path=path,
                bits=loaded.key_size,
            )
        pem = loaded.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())
        spki = loaded.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        return DkimKey(b"rsa-sha256", pem, base64.b64encode(spki).decode())
    raise DkimError(N_("the DKIM key {path} is neither RSA nor Ed25519"), path=path)


def new_key(kind: str, bits: int = 2048) -> tuple[bytes, DkimKey]:
    """A new private key as PEM (PKCS#8), and what signing and DNS need of it."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = (
        Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(public_exponent=65537, key_size=bits)
    )
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return pem, key_of(key)


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    key: DkimKey

    def signature(self, message: bytes) -> bytes:
        """The DKIM-Signature header field of ``message`` (relaxed/relaxed), to go first."""
        try:
            field = dkim.sign(
                message,
                self.selector.encode(),
                self.domain.encode(),
                self.key.private,
                canonicalize=(b"relaxed", b"relaxed"),
                signature_algorithm=self.key.algorithm,
                include_headers=[*SIGNED_HEADERS, b"From"],
                linesep=b"\r\n",
            )
        except dkim.DKIMException as exc:
            raise DkimError(N_("DKIM signing failed: {why}"), why=exc) from exc
        return bytes(field)

    def sign(self, message: bytes) -> bytes:
        return self.signature(message) + message
