"""Reading a file that should be a regular one without waiting on something that is not.

Opened for reading, a named pipe blocks until a writer comes (for ever) and ``/dev/zero``
never ends: whoever can write into a data folder (the archive, a Maildir, a backup) could
otherwise stop the reader by putting one there. Opening with ``O_NONBLOCK`` returns at once
for every kind of file; ``fstat`` on what was opened then tells a regular file from the rest,
with no gap between the look and the read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFile(OSError):
    """The path is a pipe, a socket or a device, where a file was wanted."""

    def __init__(self, path: Path):
        super().__init__(
            errno.EINVAL, "not a regular file (a pipe, a socket or a device)", str(path)
        )


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, refused with :class:`NotRegularFile` unless it
    is a regular file (a symbolic link is followed); other ``OSError`` as ``open`` raises."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`)."""
    with open_regular(path) as fh:
        return fh.read()


def is_regular(path: Path) -> bool:
    """Whether ``path`` is a regular file now (following a symbolic link), never raising."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
