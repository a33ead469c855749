"""Damaged versions of every corpus message are handled, not merely survived."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks.mutations import mutations
from bounce_parser import Kind, classify


@pytest.mark.corpus
def test_mutated_corpus_never_reaches_the_catch_all(corpus_dir: Path) -> None:
    rng = random.Random(7)
    failures = []
    for path in sorted((corpus_dir / "bounces").glob("*.eml"))[::3]:
        raw = path.read_bytes()
        for kind, data in mutations(raw, rng):
            if kind == "body-20mb":
                continue  # same code path as big-body; kept for the benchmark
            c = classify(data)
            if any(n.startswith("unparseable") for n in c.notes):
                failures.append(f"{path.name} ({kind}): {c.notes}")
    assert not failures, failures[:10]


@pytest.mark.corpus
def test_huge_body_keeps_the_verdict(corpus_dir: Path) -> None:
    raw = (corpus_dir / "bounces" / "lhost-postfix-02.eml").read_bytes()
    plain = classify(raw)
    padded = classify(raw + b"\r\n" + b"C" * (20 * 1024 * 1024))
    assert plain.kind == padded.kind == Kind.BOUNCE and plain.recipients
    assert [r.address for r in plain.recipients] == [r.address for r in padded.recipients]
