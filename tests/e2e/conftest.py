"""Browser journeys share one live app and its worker with the test database.

A journey ends when its page says so, but the worker may still be on the tasks
it caused (re-encoding a photo, indexing an entry for search). Flushing the
tables under it then races the worker's own transaction: on PostgreSQL the
TRUNCATE and the worker's locks deadlocked, and the next journey found the
last one's entry. So each journey waits for the worker to be idle first.
"""

from __future__ import annotations

import time

import pytest


def wait_for_worker(timeout: float = 60) -> None:
    """Until the live worker has run every queued task (arrival checks, mail)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    busy = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
    deadline = time.monotonic() + timeout
    while DBTaskResult.objects.filter(status__in=busy).exists():
        if time.monotonic() > deadline:
            pytest.fail(f"the worker did not finish the journey's tasks within {timeout:.0f} s")
        time.sleep(0.2)


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request):
    if "transactional_db" not in request.fixturenames:
        yield
        return
    # Set the database up first, so that this waits before it is flushed.
    request.getfixturevalue("transactional_db")
    yield
    wait_for_worker()
