"""Start-up configuration: production passes `check --deploy`; bad settings
stop start-up with one line that says what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "TASUKI_MODE": "production",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "relay.example.org",
    "DATABASE_URL": "postgres://tasuki@db.example.org:5432/tasuki",
    "EMAIL_URL": "smtp://mail.example.org:587",
}


def manage(*args: str, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "TASUKI_MODE",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "CACHE_URL",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**clean, "TASUKI_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_production_secret_key_stops_with_one_line(tmp_path):
    env = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Tasuki cannot start: SECRET_KEY is not set. Set SECRET_KEY")


def test_invalid_database_url_stops_with_one_line(tmp_path):
    result = manage("check", env={"DATABASE_URL": "nonsense://what"}, tmp_path=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "DATABASE_URL" in lines[0] and "postgres://" in lines[0]


def test_production_refuses_debug(tmp_path):
    result = manage("check", env={**PRODUCTION, "DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "DEBUG must be off in production" in result.stderr


def test_production_needs_allowed_hosts(tmp_path):
    result = manage("check", env={**PRODUCTION, "ALLOWED_HOSTS": ""}, tmp_path=tmp_path)
    assert result.returncode == 1
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_cache_settings_follow_cache_url(tmp_path):
    """The database cache keeps a rush's worth of keys (Django's default of 300 would
    cull live rate-limit counters and proof-of-work tags); redis:// uses Django's client."""
    show = "from django.conf import settings; c = settings.CACHES['default']; print(c)"
    default = manage("shell", "-c", show, env={}, tmp_path=tmp_path)
    assert "DatabaseCache" in default.stdout and "'MAX_ENTRIES': 200000" in default.stdout
    redis = manage(
        "shell", "-c", show, env={"CACHE_URL": "redis://127.0.0.1:6379/2"}, tmp_path=tmp_path
    )
    assert "django.core.cache.backends.redis.RedisCache" in redis.stdout
    assert "MAX_ENTRIES" not in redis.stdout
