from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mailer.archive import Archive
from mailer.errors import ArchiveError


def test_store_is_content_addressed_read_only_and_idempotent(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    first = archive.store(b"message one")
    again = archive.store(b"message one")
    assert first == again
    assert archive.read(first.sha256) == b"message one"
    assert not os.stat(first.path).st_mode & stat.S_IWUSR
    assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]


def test_tampering_is_detected(tmp_path: Path) -> None:
    archive = Archive(tmp_path)
    entry = archive.store(b"original bytes")
    os.chmod(entry.path, 0o644)
    entry.path.write_bytes(b"Original bytes")
    with pytest.raises(ArchiveError, match="altered"):
        archive.read(entry.sha256)
    with pytest.raises(ArchiveError, match="changed"):
        archive.store(b"original bytes")


def test_missing_entry_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="missing"):
        Archive(tmp_path).read("0" * 64)
