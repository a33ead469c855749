"""Classification speed: bounce_parser.classify() against flufl.bounce on the same bytes.

Usage: python benchmarks/bounce_speed.py CORPUS_DIR [--passes 3]

Reads every ``*.eml`` of CORPUS_DIR into memory once, then times three passes of each
classifier from bytes in one process, and prints messages/s for both and their ratio.
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


def rate(fn: Callable[[bytes], object], messages: list[bytes], passes: int) -> tuple[float, float]:
    """(messages per second, slowest single message in ms) over ``passes`` passes."""
    worst = 0.0
    start = time.perf_counter()
    for _ in range(passes):
        for raw in messages:
            t0 = time.perf_counter()
            fn(raw)
            worst = max(worst, time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    return passes * len(messages) / elapsed, worst * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()
    messages = [p.read_bytes() for p in sorted(args.corpus.glob("*.eml"))]
    if not messages:
        print(f"{args.corpus}: no *.eml files", file=sys.stderr)
        return 2
    size = sum(map(len, messages))
    print(f"{len(messages)} messages, {size / 1e6:.1f} MB, {args.passes} passes")
    ours, ours_worst = rate(classify, messages, args.passes)
    print(f"bounce_parser.classify  {ours:8.0f} msg/s   slowest message {ours_worst:.1f} ms")
    try:
        from flufl.bounce import all_failures
    except ImportError:
        print("flufl.bounce not installed (pip install -e '.[bench]'): no comparison")
        return 0

    def flufl(raw: bytes) -> object:
        return all_failures(email.message_from_bytes(raw))

    theirs, theirs_worst = rate(flufl, messages, args.passes)
    print(f"flufl.bounce            {theirs:8.0f} msg/s   slowest message {theirs_worst:.1f} ms")
    print(f"ratio                   {ours / theirs:8.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
