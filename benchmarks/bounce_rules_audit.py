"""How much of a bounce corpus each wording rule decides, beside the source it names.

Usage: python benchmarks/bounce_rules_audit.py CORPUS_DIR [--at-most N]

For every pattern of ``bounce_parser.rules.text`` (in rule order), prints the number of
recipient diagnostics under CORPUS_DIR (``*.eml``, in its sub-folders too) it matches, the
number it decides (the first pattern to match), and where it disagrees with ``labels.csv``
when it decides; then the
patterns that match at most N files (default 1), with their rule's source: the ones to
review, since a corpus cannot be their evidence.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from bounce_parser import classify
from bounce_parser.reasons import MAX_REASON_TEXT
from bounce_parser.replies import joined_reply_lines
from bounce_parser.rules.text import TEXT_RULES


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--at-most", type=int, default=1)
    args = ap.parse_args()
    if not (args.corpus / "labels.csv").is_file():
        print(f"{args.corpus}: no labels.csv there; give a folder of *.eml files and labels.csv")
        return 2
    labels: dict[tuple[str, str], str] = {}
    with (args.corpus / "labels.csv").open(newline="") as fh:
        for row in csv.DictReader(fh):
            labels[(row["file"], row["recipient"].lower())] = row["reason"]
    rules = [
        (i, reason, re.compile(p), source)
        for i, (reason, patterns, source) in enumerate(TEXT_RULES)
        for p in patterns
    ]
    files: dict[int, set[str]] = defaultdict(set)
    decided: Counter[int] = Counter()
    wrong: Counter[int] = Counter()
    for path in sorted(args.corpus.rglob("*.eml")):
        name = path.relative_to(args.corpus).as_posix()  # as labels.csv names it
        for r in classify(path.read_bytes()).recipients:
            if not r.diagnostic:
                continue
            text = joined_reply_lines(r.diagnostic[:MAX_REASON_TEXT].lower())
            first = True
            for k, (_, reason, rx, _) in enumerate(rules):
                if not rx.search(text):
                    continue
                files[k].add(name)
                if first:
                    decided[k] += 1
                    label = labels.get((name, (r.address or "").lower()))
                    if r.reason == reason and label and label != reason:
                        wrong[k] += 1
                first = False
    print(f"{'files':>5} {'decides':>7} {'wrong':>5}  reason            pattern")
    for k, (_, reason, rx, _) in enumerate(rules):
        print(f"{len(files[k]):5} {decided[k]:7} {wrong[k]:5}  {reason:17} {rx.pattern}")
    few = [k for k in range(len(rules)) if len(files[k]) <= args.at_most]
    print(f"\n{len(few)} of {len(rules)} patterns match at most {args.at_most} file(s); by rule:")
    shown: set[int] = set()
    for k in few:
        i, reason, rx, source = rules[k]
        if i not in shown:
            shown.add(i)
            print(f"\n[{reason}] {source}")
        print(f"    {len(files[k])}  {rx.pattern}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
