"""Every benchmark script loads: the figures an issue note quotes come from these scripts, and
one that no longer imports (a helper it used renamed, say) would only be found by whoever runs
it next, on the owners' collections."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
    if path.stem != "__init__"
)


def test_there_are_benchmarks() -> None:
    assert "bounce_accuracy" in BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_script_loads(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.__name__ == f"benchmarks.{name}"
