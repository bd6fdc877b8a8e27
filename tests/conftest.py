"""Shared fixtures. Integration fixtures start real things: an SMTP server
(aiosmtpd), the task worker, gunicorn; browser fixtures drive Debian's Chromium."""

from __future__ import annotations

import base64
import json
import os
from unittest import mock

import pytest
from altcha import solve_challenge
from altcha.v2 import Challenge

from tests.factories import open_campaign

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytest_plugins = ["tests.fixtures.servers", "tests.fixtures.browser"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.ALTCHA_CHALLENGE = {**settings.ALTCHA_CHALLENGE, "cost": 10, "key_prefix": "0"}
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }
    settings.PUBLIC_MEDIA_ROOT = tmp_path / "public"
    # Each test starts with no public page remembered by this process (the shared
    # cache lives in the test database and is rolled back with it).
    from tasuki.relay import cache as public_cache

    public_cache.clear_local()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def campaign(db):
    return open_campaign()


def solve_altcha() -> str:
    """A valid ALTCHA payload, solved the way the browser widget does it."""
    from altcha_django import get_verifier

    challenge = Challenge.from_dict(get_verifier().get_challenge())
    solution = solve_challenge(challenge)
    payload = {"challenge": challenge.to_dict(), "solution": solution.to_dict()}
    return base64.b64encode(json.dumps(payload).encode()).decode()


@pytest.fixture
def altcha_payload(db):
    return solve_altcha


def run_worker() -> None:
    """Run every ready task with the worker's own loop, in this process and transaction.

    The loop is django-tasks-db's, unchanged, except that it may not close the
    test's database connection between tasks. Integration tests run the worker
    as a separate process instead (see fixtures/servers.py).
    """
    from django_tasks_db.management.commands import db_worker

    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        db_worker.Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test",
            excluded_queue_names=[],
        ).run()


@pytest.fixture
def worker():
    return run_worker


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"tasuki database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or ''}".rstrip()
