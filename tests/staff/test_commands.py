"""A newcomer reaches the back office: create_staff and, in development, demo_staff."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from tasuki.staff import roles

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _link(output: str) -> str:
    return re.search(r"http://\S+/ja/staff/enrol/[\w-]+/", output).group(0)


def test_create_staff_prints_a_working_link_and_a_terminal_qr(settings):
    settings.SITE_URL = "https://tasuki.example"
    output = _run("create_staff", "ada", "--role", "admin", "--email", "ada@example.org")
    user = get_user_model().objects.get(username="ada")
    assert roles.roles_of(user) == {"admin"}
    link = re.search(r"https://tasuki\.example(/ja/staff/enrol/[\w-]+/)", output).group(1)
    assert "█" in output or "▀" in output  # the QR code, drawn with block characters
    assert Client().get(link)["Location"] == "/ja/staff/enrol/"
    with pytest.raises(CommandError, match="already exists"):
        _run("create_staff", "ADA", "--role", "reviewer")


def test_demo_staff_makes_a_manager_and_a_fresh_link_each_time():
    first = _link(_run("demo_staff", "--no-qr"))
    user = get_user_model().objects.get(username="demo-manager")
    assert roles.roles_of(user) == {"campaign_manager"}
    second = _link(_run("demo_staff", "--no-qr"))
    assert get_user_model().objects.filter(username="demo-manager").count() == 1
    path = lambda url: url.split("8000", 1)[-1].split("testserver", 1)[-1]  # noqa: E731
    assert Client().get(path(first)).status_code == 404
    assert Client().get(path(second)).status_code == 302


def test_demo_staff_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="only runs in development"):
        _run("demo_staff")
    assert not get_user_model().objects.exists()
