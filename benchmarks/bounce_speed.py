"""Classification speed: bounce_parser.classify() against flufl.bounce on the same bytes.

Usage: python benchmarks/bounce_speed.py CORPUS_DIR [--passes 3]

Reads every ``*.eml`` under CORPUS_DIR (its sub-folders too) into memory once, then times
three passes of each classifier from bytes in one process (their passes alternating, so that
the machine's changing load falls on both alike), and prints messages/s for both and their
ratio.
flufl.bounce is a benchmark-only extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import email
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bounce_parser import classify


class Timing:
    """Messages classified, seconds spent and the slowest single message of one classifier."""

    def __init__(self, fn: Callable[[bytes], object]) -> None:
        self.fn, self.count, self.seconds, self.worst = fn, 0, 0.0, 0.0

    def one_pass(self, messages: list[bytes]) -> None:
        start = time.perf_counter()
        for raw in messages:
            t0 = time.perf_counter()
            self.fn(raw)
            self.worst = max(self.worst, time.perf_counter() - t0)
        self.seconds += time.perf_counter() - start
        self.count += len(messages)

    @property
    def rate(self) -> float:
        return self.count / self.seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()
    messages = [p.read_bytes() for p in sorted(args.corpus.rglob("*.eml"))]
    if not messages:
        print(f"{args.corpus}: no *.eml files", file=sys.stderr)
        return 2
    size = sum(map(len, messages))
    print(f"{len(messages)} messages, {size / 1e6:.1f} MB, {args.passes} passes")
    ours = Timing(classify)
    theirs: Timing | None = None
    try:
        from flufl.bounce import all_failures

        theirs = Timing(lambda raw: all_failures(email.message_from_bytes(raw)))
    except ImportError:
        pass
    # passes alternate, so that a change in the machine's load falls on both alike
    for _ in range(args.passes):
        ours.one_pass(messages)
        if theirs is not None:
            theirs.one_pass(messages)
    slowest = ours.worst * 1000
    print(f"bounce_parser.classify  {ours.rate:8.0f} msg/s   slowest message {slowest:.1f} ms")
    if theirs is None:
        print("flufl.bounce not installed (pip install -e '.[bench]'): no comparison")
        return 0
    print(
        f"flufl.bounce            {theirs.rate:8.0f} msg/s   slowest message "
        f"{theirs.worst * 1000:.1f} ms"
    )
    print(f"ratio                   {ours.rate / theirs.rate:8.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
