"""The archive: write-once, content-addressed copies of the exact bytes sent.

Each message is stored at ``<root>/<sha[:2]>/<sha>.eml``, written to a temporary file,
fsynced, linked into place (never over an existing file) and made read-only; the folder is
fsynced too (and the root, when a folder is new), so an entry that exists survived the
crash that may follow.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mailer.errors import N_, ArchiveError
from mailer.files import NotRegularFile, open_regular, read_regular


@dataclass(frozen=True)
class ArchivedCopy:
    sha256: str
    size: int
    path: Path


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_entry(path: Path, sha256: str, *, verify: bool, size: int | None = None) -> bytes:
    try:
        data = read_regular(path)
    except NotRegularFile as exc:  # what was written is a file: a pipe or a device in its place
        raise ArchiveError(N_("archive entry {sha256} has been altered"), sha256=sha256) from exc
    except OSError as exc:
        raise ArchiveError(
            N_("archive entry {sha256} is missing: {why}"), sha256=sha256, why=exc.strerror
        ) from exc
    if (size is not None and len(data) != size) or (
        verify and hashlib.sha256(data).hexdigest() != sha256
    ):
        raise ArchiveError(N_("archive entry {sha256} has been altered"), sha256=sha256)
    return data


def read_copy(copy: ArchivedCopy) -> bytes:
    """The bytes of a copy just stored, checked by their size only (the full check is for
    whoever reads the archive later: :meth:`Archive.read`)."""
    return _read_entry(copy.path, copy.sha256, verify=False, size=copy.size)


class Archive:
    def __init__(self, root: Path):
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.eml"

    def store(self, data: bytes) -> ArchivedCopy:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_for(sha)
        if target.exists():
            if self._digest_or_none(target) != sha:
                raise ArchiveError(
                    N_("archive entry {path} exists but its content has changed"), path=target
                )
            return ArchivedCopy(sha, len(data), target)
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        except FileNotFoundError:  # the first entry of its folder (one of 256)
            self._make_folder(target.parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o400)  # read-only, and the owner's alone: it holds customers' mail
            try:
                os.link(tmp, target)
            except FileExistsError as exc:
                if self._digest_or_none(target) != sha:
                    raise ArchiveError(
                        N_("archive entry {path} exists with other content"), path=target
                    ) from exc
            _fsync_dir(target.parent)
        finally:
            os.unlink(tmp)
        return ArchivedCopy(sha, len(data), target)

    def _make_folder(self, folder: Path) -> None:
        """Make an entry folder, and fsync the folder holding it so that it survives a
        crash with the entries written into it. A new root is made for this user alone
        (what was sent to customers, and what came back, is no one else's to read)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.mkdir(parents=True, exist_ok=True)
        _fsync_dir(self.root)  # holds the new folder
        _fsync_dir(self.root.parent)  # holds the root, which may be new too

    def read(self, sha256: str, *, verify: bool = True) -> bytes:
        """The entry's bytes, checked against its sha256 unless the caller checks them
        itself (``verify=False``)."""
        return _read_entry(self.path_for(sha256), sha256, verify=verify)

    @classmethod
    def _digest_or_none(cls, path: Path) -> str | None:
        """The digest of what sits at an entry's place, None where it is not a file."""
        try:
            return cls.digest(path)
        except NotRegularFile:
            return None

    @staticmethod
    def digest(path: Path) -> str:
        """The sha256 of a regular file; :class:`~mailer.files.NotRegularFile` for anything
        else (a pipe there would otherwise be waited on for ever)."""
        h = hashlib.sha256()
        with open_regular(path) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
