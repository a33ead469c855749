"""Stand-ins for the classifier over a message marked for them, now that no known input keeps
the real one busy long: they run in the classifying worker process, which imports them by
name, so they import nothing but the parser and the standard library."""

from __future__ import annotations

import re
import time
from pathlib import Path

from bounce_parser import Classification, classify

SLOW = b"X-Test-Slow-To-Classify: yes"
HOLD = b"X-Test-Hold-Until-Released:"


def slow_over_marked(raw: bytes) -> Classification:
    """Longer than any budget over a message marked SLOW."""
    if SLOW in raw[:4096]:
        time.sleep(30)
    return classify(raw)


def held_over_marked(raw: bytes) -> Classification:
    """Over a message marked ``HOLD <folder>``: says it has started (``<folder>/started``),
    then holds until the test releases it (``<folder>/release``). A test that never
    releases it (because its event loop is the one held) sees it fail, not hang."""
    found = re.search(re.escape(HOLD) + rb" *(\S+)", raw[:4096])
    if found is not None:
        folder = Path(found[1].decode())
        (folder / "started").touch()
        deadline = time.monotonic() + 20
        while not (folder / "release").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("held for 20 s and never released")
            time.sleep(0.01)
    return classify(raw)
