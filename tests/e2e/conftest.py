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


@pytest.fixture(autouse=True)
def _worker_idle_before_flush(request):
    if "transactional_db" not in request.fixturenames:
        yield
        return
    # Set the database up first, so that this waits before it is flushed.
    request.getfixturevalue("transactional_db")
    yield
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    busy = [TaskResultStatus.READY, TaskResultStatus.RUNNING]
    deadline = time.monotonic() + 60
    while DBTaskResult.objects.filter(status__in=busy).exists():
        if time.monotonic() > deadline:
            pytest.fail("the worker did not finish the journey's tasks within 60 s")
        time.sleep(0.2)
