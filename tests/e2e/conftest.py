from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import unavailable
from tests.e2e.mailstack import MailStack, missing_components, new_stack


@pytest.fixture
def mailstack() -> Iterator[MailStack]:
    problem = missing_components()
    if problem:
        unavailable(problem)
    stack = new_stack().start()
    try:
        yield stack
    finally:
        stack.stop()
