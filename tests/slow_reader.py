"""A stand-in for the classifier that takes longer than any budget over a message marked for
it, now that no known input keeps the real one busy that long: it runs in the classifying
worker process, which imports it by name, so it imports nothing but the parser."""

from __future__ import annotations

import time

from bounce_parser import Classification, classify

SLOW = b"X-Test-Slow-To-Classify: yes"


def slow_over_marked(raw: bytes) -> Classification:
    if SLOW in raw[:4096]:
        time.sleep(30)
    return classify(raw)
