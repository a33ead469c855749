"""Agreement of bounce_parser.classify() with a labelled bounce corpus.

Usage: python benchmarks/bounce_accuracy.py CORPUS_DIR [--misses]

CORPUS_DIR holds ``*.eml`` files and ``labels.csv`` (file, index, recipient, status,
replycode, reason, ...; one row per file and recipient). Prints detection, recipient,
4xx/5xx class and reason agreement, recall and precision per reason, and the hard claims
that the labels call soft (each one would mark a working address undeliverable).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from bounce_parser import Kind, classify

# sisimai's codes for a reason the message gives no status for (5.0.947 expired, ...)
SYNTHESIZED_STATUS = re.compile(r"^[245]\.0\.9\d\d$")

NON_BOUNCE = {
    "feedback": Kind.FEEDBACK,
    "vacation": Kind.AUTOREPLY,
    "delivered": Kind.DELIVERY_REPORT,
}


def expected_kind(reasons: list[str]) -> Kind:
    kinds = {NON_BOUNCE.get(r, Kind.BOUNCE) for r in reasons}
    return kinds.pop() if len(kinds) == 1 else Kind.BOUNCE


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--misses", action="store_true", help="list every disagreement")
    args = ap.parse_args()
    labels = args.corpus / "labels.csv"
    if not labels.exists():
        print(f"{labels}: not found", file=sys.stderr)
        return 2
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    with labels.open(newline="") as fh:
        for row in csv.DictReader(fh):
            rows[row["file"]].append(row)

    det_ok = det_n = 0
    false_bounce = 0
    rcpt_ok = cls_ok = cls_n = reason_ok = n = unscored = stated_ok = stated_n = 0
    per_reason: Counter[str] = Counter()
    per_reason_ok: Counter[str] = Counter()
    claimed: Counter[str] = Counter()  # reasons given, for precision
    hard_claims = hard_wrong = 0
    hard_wrong_by_reason: Counter[str] = Counter()
    misses: list[str] = []
    for file, labelled in sorted(rows.items()):
        result = classify((args.corpus / file).read_bytes())
        want_kind = expected_kind([r["reason"] for r in labelled])
        det_n += 1
        if result.kind == want_kind:
            det_ok += 1
        else:
            misses.append(f"{file}: kind {result.kind} != {want_kind}")
        if want_kind != Kind.BOUNCE and result.kind == Kind.BOUNCE:
            false_bounce += 1
        by_addr = {r.address.lower(): r for r in result.recipients}
        for i, row in enumerate(labelled):
            n += 1
            want_addr = row["recipient"].lower()
            got = by_addr.get(want_addr)
            if got is None and len(result.recipients) == len(labelled):
                got = result.recipients[i]
            if not want_addr:
                unscored += 1  # the labels name no recipient: nothing to compare with
            elif got is not None and got.address.lower() == want_addr:
                rcpt_ok += 1
            else:
                misses.append(
                    f"{file}: recipient {want_addr} not in {[r.address for r in result.recipients]}"
                )
            if row["status"]:
                cls_n += 1
                stated = not SYNTHESIZED_STATUS.match(row["status"])
                stated_n += stated
                if got is not None and got.status and got.status[0] == row["status"][0]:
                    cls_ok += 1
                    stated_ok += stated
                else:
                    misses.append(f"{file}: class {got.status if got else None} != {row['status']}")
            per_reason[row["reason"]] += 1
            if got is not None and got.reason:
                claimed[got.reason] += 1
            if got is not None and got.hard:
                hard_claims += 1
                if row.get("hardbounce") == "0":
                    hard_wrong += 1
                    hard_wrong_by_reason[row["reason"]] += 1
                    misses.append(f"{file}: claimed hard ({got.reason}), labelled soft")
            if got is not None and got.reason == row["reason"]:
                reason_ok += 1
                per_reason_ok[row["reason"]] += 1
            else:
                misses.append(
                    f"{file}: reason {got.reason if got else None} != {row['reason']}"
                    f" ({(got.diagnostic or '')[:90] if got else ''})"
                )

    def pct(a: int, b: int) -> str:
        return f"{a / b:.3f} ({a}/{b})" if b else "n/a"

    print(f"files: {det_n}, labelled recipients: {n}")
    print(f"detection         {pct(det_ok, det_n)}  non-bounces reported as bounce: {false_bounce}")
    print(
        f"recipient         {pct(rcpt_ok, n - unscored)}  "
        f"({unscored} rows whose label names no recipient not scored)"
    )
    print(f"class 4xx/5xx     {pct(cls_ok, cls_n)}")
    print(f"  where the message states its status: {pct(stated_ok, stated_n)} (labels other than")
    print("  sisimai's own x.0.9xx codes, whose class it sets when the message gives none)")
    print(f"reason            {pct(reason_ok, n)}")
    print(
        f"hard claims       {hard_claims}, of which the label calls soft: {hard_wrong}"
        + (f" ({dict(hard_wrong_by_reason)})" if hard_wrong else "")
    )
    print("per reason         recall              precision")
    for reason in sorted(set(per_reason) | set(claimed), key=lambda r: -per_reason[r]):
        right = per_reason_ok[reason]
        print(f"  {reason:16} {pct(right, per_reason[reason]):20}{pct(right, claimed[reason])}")
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
