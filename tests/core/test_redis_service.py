"""A test that needs Redis fails, with the way to start it, when Redis is not there."""

from __future__ import annotations

import pytest

from tests.fixtures.redis_service import require_redis


def test_missing_redis_fails_the_test_and_says_how_to_start_it():
    with pytest.raises(pytest.fail.Exception) as excinfo:
        require_redis("redis://127.0.0.1:1/0")  # nothing listens on port 1
    message = str(excinfo.value)
    assert "needs Redis at redis://127.0.0.1:1/0" in message
    assert "redis-server --daemonize yes" in message and ".ci/run" in message


def test_ci_starts_redis_before_the_suite():
    """`.ci/run` installs and starts Redis the way it does PostgreSQL, before `make test`."""
    from pathlib import Path

    script = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text()
    assert "need+=(redis-server)" in script
    start = script.index("redis-server --daemonize yes")
    assert start < script.index("make test PYTEST_ARGS")
    assert "redis-cli -h 127.0.0.1 -p 6379 ping" in script
