from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import unavailable
from tests.e2e.mailstack import MailStack, missing_components, new_stack


@pytest.fixture
def mailstack(request: pytest.FixtureRequest) -> Iterator[MailStack]:
    """Postfix and Dovecot in a temporary folder, removed once they stop (about 9 MB a
    test), unless the test failed: then its logs and mailboxes stay for a look."""
    problem = missing_components()
    if problem:
        unavailable(problem)
    stack = new_stack().start()
    failures = request.session.testsfailed
    try:
        yield stack
    finally:
        stack.stop()
        if request.session.testsfailed == failures:
            shutil.rmtree(stack.root, ignore_errors=True)
        else:
            print(f"mail stack kept for a look: {stack.root}")
