from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

import mailer.archive as archive_module
from mailer.archive import Archive
from mailer.errors import ArchiveError
from tests.helpers import pipe_let_go_after


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


def test_a_new_folder_and_a_new_root_are_fsynced_with_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a crash an entry is only there if every folder on its path was written to
    disk: the entry's folder always, the root (and the root's own folder) when the entry
    made them."""
    synced: list[Path] = []
    fsync_dir = archive_module._fsync_dir

    def recorded(path: Path) -> None:
        synced.append(path)
        fsync_dir(path)

    monkeypatch.setattr(archive_module, "_fsync_dir", recorded)
    root = tmp_path / "archive"
    archive = Archive(root)
    first = archive.store(b"message one")
    assert set(synced) == {tmp_path, root, first.path.parent}
    synced.clear()
    # another message whose entry goes into the same folder: only that folder is synced
    neighbour = next(
        m
        for n in range(10_000)
        if hashlib.sha256(m := b"message %d" % n).hexdigest()[:2] == first.sha256[:2]
        and m != b"message one"
    )
    second = archive.store(neighbour)
    assert second.path.parent == first.path.parent
    assert synced == [first.path.parent]
    assert archive.read(second.sha256) == neighbour


def test_a_pipe_in_an_entrys_place_is_altered_not_waited_on(tmp_path: Path) -> None:
    """Whoever can write into the archive folder could put a named pipe where an entry was:
    the reader says the entry is altered instead of waiting for a writer for ever."""
    archive = Archive(tmp_path)
    entry = archive.store(b"original bytes")
    entry.path.unlink()
    os.mkfifo(entry.path)
    with pipe_let_go_after(entry.path):
        with pytest.raises(ArchiveError, match="altered"):
            archive.read(entry.sha256)
        with pytest.raises(ArchiveError, match="changed"):
            archive.store(b"original bytes")
        with pytest.raises(OSError, match="not a regular file"):
            Archive.digest(entry.path)
