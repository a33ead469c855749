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

log = logging.getLogger(__name__)


def ensure_key_file(path: Path) -> bool:
    """Create ``path`` holding a new random 256-bit secret unless it exists; True when it
    was created now."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.link(scratch, path)
    except FileExistsError:
        return False
    finally:
        scratch.unlink(missing_ok=True)
    log.info("generated a new secret in %s", path)
    return True
