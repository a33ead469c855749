"""Secrets the installation makes for itself, kept owner-only in its data folder.

A key file is written once, whole (a temporary file linked into place), so instances that
start together on one data folder all read the same key: the first link wins, the others
find it there.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from daemon.domain.errors import KeyFileError
from daemon.domain.i18n import _
from mailer.files import NotRegularFile, read_regular

log = logging.getLogger(__name__)


def ensure_key_file(path: Path) -> bool:
    """Create ``path`` holding a new random 256-bit secret unless it exists; True when it
    was created now."""
    if path.exists():
        return False
    return _write_once(path, (secrets.token_hex(32) + "\n").encode())


def _write_once(path: Path, content: bytes) -> bool:
    """Write ``content`` to ``path`` (owner-only) unless a file is there; True if written."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.link(scratch, path)
    except FileExistsError:
        return False
    finally:
        scratch.unlink(missing_ok=True)
    log.info("generated a new key in %s", path)
    return True


def signing_key(path: Path) -> Ed25519PrivateKey:
    """The installation's Ed25519 signing key at ``path`` (PKCS#8 PEM), made on first use."""
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
        _write_once(path, pem)
    try:
        loaded = load_pem_private_key(read_regular(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm, NotRegularFile):
        # damaged, a key with a password, or a pipe or a device in the key's place
        loaded = None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyFileError(
            _(
                "{path}: not an Ed25519 private key (PKCS#8 PEM, no password): restore it "
                "from a backup; a new key would not verify the heads and proofs signed "
                "with this one"
            ).format(path=path)
        )
    return loaded
