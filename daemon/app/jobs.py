"""Scheduled jobs that run once per slot, however many instances share the database."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError

from daemon.domain.models import JobRun
from daemon.store.db import SessionFactory, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")


async def run_once_per_slot(
    sessions: SessionFactory,
    job: str,
    slot: str,
    instance: str,
    fn: Callable[[], Awaitable[T]],
) -> T | None:
    """Run ``fn`` unless another instance already took ``(job, slot)``; None when skipped."""
    try:
        async with transaction(sessions) as session:
            session.add(JobRun(job=job, slot=slot, instance=instance))
    except IntegrityError:
        log.info("%s for %s already run by another instance", job, slot)
        return None
    return await fn()
