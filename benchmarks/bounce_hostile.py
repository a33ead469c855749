"""Time classify() on hostile variants of every corpus message.

Usage: python benchmarks/bounce_hostile.py CORPUS_DIR

Prints, per kind of damage, the count and the slowest classification, and the slowest of
all inputs under 1 MB (target: under 100 ms each).
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.mutations import mutations
from bounce_parser import classify


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if corpus is None or not corpus.is_dir():
        print("usage: bounce_hostile.py CORPUS_DIR", file=sys.stderr)
        return 2
    rng = random.Random(42)
    worst: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    worst_small = (0.0, "")
    for path in sorted(corpus.rglob("*.eml")):
        for kind, data in mutations(path.read_bytes(), rng):
            t0 = time.perf_counter()
            classify(data)
            ms = (time.perf_counter() - t0) * 1000
            worst[kind] = max(worst[kind], ms)
            count[kind] += 1
            if len(data) < 1024 * 1024 and ms > worst_small[0]:
                worst_small = (ms, f"{path.name} ({kind})")
    for kind in sorted(worst):
        print(f"{kind:22} {count[kind]:5} inputs   slowest {worst[kind]:7.1f} ms")
    print(f"slowest input under 1 MB: {worst_small[0]:.1f} ms, {worst_small[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
