"""DKIM signatures of outgoing mail (RFC 6376; Ed25519-SHA256 by RFC 8463).

A message is signed once composed and before it is archived, so the archived bytes are the
bytes sent. The key file is a PEM private key, RSA or Ed25519 (``facturier dkim keygen``
writes either); the algorithm follows the key.

Signed here with ``cryptography`` (OpenSSL) rather than dkimpy's signer: dkimpy does RSA
with Python's ``pow`` and canonicalizes the body with regular expressions, about 10 ms a
message, which took ``benchmarks/send_throughput.py --dkim rsa`` from 370 to 66 msg/s. The
body is canonicalized "simple" (RFC 6376 3.4.3: only the empty lines at its end go; the
composer writes every line, base64 or text, itself), the header fields "relaxed" (3.4.2).
dkimpy and OpenDKIM verify what this signs, in the tests.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from mailer.errors import N_, MailerError
from mailer.files import read_regular

SIGNED_HEADERS = (
    "from",
    "to",
    "cc",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "in-reply-to",
    "references",
)
"""RFC 6376 5.4.1's recommended fields, those a message carries signed; From is named once
more (8.15: a From added on the way then breaks the signature)."""


class DkimError(MailerError):
    """The DKIM key cannot be read or used: nothing is sent unsigned by accident."""


@dataclass(frozen=True)
class DkimKey:
    private: RSAPrivateKey | Ed25519PrivateKey

    @property
    def key_type(self) -> str:
        return "ed25519" if isinstance(self.private, Ed25519PrivateKey) else "rsa"

    @property
    def algorithm(self) -> str:
        return f"{self.key_type}-sha256"

    @property
    def public_record(self) -> str:
        """The ``p=`` value: base64 SubjectPublicKeyInfo (RSA, RFC 6376 3.6.1) or the raw
        32-byte public key (Ed25519, RFC 8463 4)."""
        public = self.private.public_key()
        if isinstance(public, RSAPublicKey):
            der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        else:
            der = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(der).decode()

    def dns_record(self, selector: str, domain: str) -> str:
        value = f"v=DKIM1; k={self.key_type}; p={self.public_record}"
        return f'{selector}._domainkey.{domain}. IN TXT "{value}"'

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.private, Ed25519PrivateKey):
            # RFC 8463 3: Ed25519 signs the SHA-256 hash of the canonicalized data
            return self.private.sign(hashlib.sha256(data).digest())
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())


def read_key(path: Path) -> DkimKey:
    try:
        loaded = load_pem_private_key(read_regular(path), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise DkimError(N_("cannot read the DKIM key {path}: {why}"), path=path, why=exc) from exc
    return key_of(loaded, path)


def key_of(loaded: object, path: Path | str = "") -> DkimKey:
    if isinstance(loaded, Ed25519PrivateKey):
        return DkimKey(loaded)
    if isinstance(loaded, RSAPrivateKey):
        if loaded.key_size < 1024:
            raise DkimError(
                N_("the DKIM key {path} has {bits} bits: RFC 8301 requires at least 1024"),
                path=path,
                bits=loaded.key_size,
            )
        return DkimKey(loaded)
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


_WSP = re.compile(rb"[ \t]+")
_FOLD = re.compile(rb"\r\n(?=[ \t])")


def _relaxed(name: bytes, value: bytes) -> bytes:
    """RFC 6376 3.4.2: name in lower case, the value unfolded, each run of whitespace one
    space, none at either end; joined by a colon alone."""
    unfolded = _WSP.sub(b" ", _FOLD.sub(b"", value)).strip(b" \r\n")
    return name.strip().lower() + b":" + unfolded


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """The header's fields in order, as (name, value) with folds kept."""
    fields: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + b"\r\n" + line)
        elif b":" in line:
            name, _sep, value = line.partition(b":")
            fields.append((name, value))
    return fields


def _fold(tags: list[str]) -> str:
    """The tags as a header value folded under 78 characters (RFC 5322 2.2.3)."""
    lines, line = [], "DKIM-Signature:"
    for tag in tags:
        if len(line) + 1 + len(tag) > 76:
            lines.append(line)
            line = "\t"
        else:
            line += " "
        line += tag
    lines.append(line)
    return "\r\n".join(lines)


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    key: DkimKey

    def signature(self, message: bytes, now: int | None = None) -> bytes:
        """The DKIM-Signature header field of ``message`` (CRLF lines, as composed), to go
        first: c=relaxed/simple."""
        head, sep, body = message.partition(b"\r\n\r\n")
        if not sep:
            raise DkimError(N_("DKIM signing failed: {why}"), why="no end of header")
        # simple body (RFC 6376 3.4.3): a CRLF at its end, and no empty line after that
        canonical_body = body if body.endswith(b"\r\n") else body + b"\r\n"
        while canonical_body.endswith(b"\r\n\r\n"):
            canonical_body = canonical_body[:-2]
        body_hash = base64.b64encode(hashlib.sha256(canonical_body).digest()).decode()
        fields = _fields(head)
        present = {name.strip().lower().decode("ascii", "replace") for name, _v in fields}
        names = [n for n in SIGNED_HEADERS if n in present] + ["from"]
        # each name takes the last of its fields not yet taken (RFC 6376 5.4.2)
        taken: dict[str, int] = {}
        signed: list[bytes] = []
        for name in names:
            matching = [i for i, (n, _v) in enumerate(fields) if n.strip().lower() == name.encode()]
            used = taken.get(name, 0)
            taken[name] = used + 1
            if used < len(matching):
                n, v = fields[matching[-1 - used]]
                signed.append(_relaxed(n, v))
        tags = [
            "v=1;",
            f"a={self.key.algorithm};",
            "c=relaxed/simple;",
            f"d={self.domain};",
            f"s={self.selector};",
            f"t={now if now is not None else int(time.time())};",
            f"h={':'.join(names)};",
            f"bh={body_hash};",
            "b=",
        ]
        unsigned = _fold(tags)
        field, _sep, tag_list = unsigned.encode().partition(b":")
        data = b"\r\n".join(signed) + b"\r\n" + _relaxed(field, tag_list)
        try:
            signature = base64.b64encode(self.key.sign(data)).decode()
        except (ValueError, TypeError) as exc:
            raise DkimError(N_("DKIM signing failed: {why}"), why=exc) from exc
        folded = "".join(f"\r\n\t{signature[i : i + 72]}" for i in range(0, len(signature), 72))
        return (unsigned + folded + "\r\n").encode()

    def sign(self, message: bytes) -> bytes:
        return self.signature(message) + message
