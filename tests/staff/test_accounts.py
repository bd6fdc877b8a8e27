"""Admins manage staff accounts; every change is in the audit trail; roles are the API."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from tasuki.audit.models import AuditEvent
from tasuki.staff import roles
from tasuki.staff.models import EnrolmentLink
from tests.staff.conftest import PASSWORD, make_staff, sign_in

pytestmark = pytest.mark.django_db


def _events(action):
    return list(AuditEvent.objects.filter(action=action).values("actor_id", "before", "after"))


def test_an_admin_creates_an_account_with_a_one_time_link():
    admin = make_staff("ada", "admin")
    client = sign_in(Client(), admin)
    response = client.post(
        "/en/staff/accounts/",
        {"username": "ren", "email": "ren@example.org", "roles": ["reviewer", "editor"]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    link = re.search(r"<code>(http://testserver/en/staff/enrol/[^<]+/)</code>", html).group(1)
    assert "<svg" in html
    user = get_user_model().objects.get(username="ren")
    assert roles.roles_of(user) == {"reviewer", "editor"}
    assert not user.has_usable_password()
    assert _events("staff.account_created") == [
        {
            "actor_id": admin.pk,
            "before": None,
            "after": {"username": "ren", "roles": ["editor", "reviewer"]},
        }
    ]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in str(list(AuditEvent.objects.values()))
    assert EnrolmentLink.objects.get(user=user).token_digest != token
    assert Client().get(link.replace("http://testserver", "")).status_code == 302


def test_a_duplicate_username_or_no_role_is_refused_and_creates_nothing():
    admin = make_staff("ada", "admin")
    client = sign_in(Client(), admin)
    response = client.post(
        "/ja/staff/accounts/", {"username": "ADA", "email": "x@example.org", "roles": []}
    )
    html = response.content.decode()
    assert "このユーザー名のアカウントはすでにあります。" in html
    assert "役割を1つ以上選んでください。" in html
    assert get_user_model().objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_roles_change_with_before_and_after_in_the_trail():
    admin = make_staff("ada", "admin")
    ren = make_staff("ren", "reviewer")
    client = sign_in(Client(), admin)
    response = client.post(
        f"/en/staff/accounts/{ren.pk}/", {"action": "roles", "roles": ["campaign_manager"]}
    )
    assert response.status_code == 302
    ren = get_user_model().objects.get(pk=ren.pk)
    assert roles.roles_of(ren) == {"campaign_manager"}
    assert _events("staff.roles_changed") == [
        {
            "actor_id": admin.pk,
            "before": {"roles": ["reviewer"]},
            "after": {"roles": ["campaign_manager"]},
        }
    ]


def test_deactivating_ends_the_accounts_sessions():
    admin = make_staff("ada", "admin")
    ren = make_staff("ren", "reviewer")
    rens_browser = sign_in(Client(), ren)
    assert rens_browser.get("/en/staff/").status_code == 200
    sign_in(Client(), admin).post(f"/en/staff/accounts/{ren.pk}/", {"action": "deactivate"})
    assert rens_browser.get("/en/staff/")["Location"].startswith("/en/staff/login/")
    assert _events("staff.deactivated")[0]["after"] == {"active": False}


def test_the_last_admin_cannot_be_removed(client):
    admin = make_staff("ada", "admin", "reviewer")
    client = sign_in(Client(), admin)
    response = client.post(f"/en/staff/accounts/{admin.pk}/", {"action": "roles", "roles": []})
    assert response.status_code == 409
    assert "This is the last active admin." in response.content.decode()
    response = client.post(f"/en/staff/accounts/{admin.pk}/", {"action": "deactivate"})
    assert response.status_code == 409
    admin.refresh_from_db()
    assert admin.is_active and roles.roles_of(get_user_model().objects.get(pk=admin.pk)) == {
        "admin",
        "reviewer",
    }
    assert not AuditEvent.objects.exists()


def test_a_new_link_retires_the_old_second_factor_and_sessions():
    admin = make_staff("ada", "admin")
    ren = make_staff("ren", "reviewer")
    rens_browser = sign_in(Client(), ren)
    response = sign_in(Client(), admin).post(f"/en/staff/accounts/{ren.pk}/", {"action": "link"})
    assert "/en/staff/enrol/" in response.content.decode()
    assert rens_browser.get("/en/staff/")["Location"].startswith("/en/staff/login/")
    assert _events("staff.enrolment_link_issued") == [
        {"actor_id": admin.pk, "before": None, "after": None}
    ]


def test_the_role_api():
    ren = make_staff("ren", "reviewer")
    mia = make_staff("mia", "campaign_manager", "editor")
    nobody = make_staff("nobody")
    assert roles.has_role(ren, roles.REVIEWER) and not roles.has_role(ren, roles.ADMIN)
    assert roles.has_role(mia, roles.ADMIN, roles.EDITOR)
    assert not roles.may_see_personal_data(ren)
    assert roles.may_see_personal_data(mia)
    assert not roles.is_staff_member(nobody) and not roles.is_staff_member(AnonymousUser())
    assert not roles.may_manage_staff(mia)
    get_user_model().objects.filter(pk=ren.pk).update(is_active=False)
    assert roles.roles_of(get_user_model().objects.get(pk=ren.pk)) == frozenset()
    with pytest.raises(ValueError, match="unknown role"):
        roles.has_role(ren, "superuser")
    with pytest.raises(ValueError, match="unknown role"):
        roles.staff_required(roles=["manager"])


def test_the_home_page_shows_each_role_what_it_can_reach(campaign):
    from tests.factories import CampaignFactory

    CampaignFactory(name_en="Another race")
    reviewer = sign_in(Client(), make_staff("ren", "reviewer"))
    html = reviewer.get("/en/staff/").content.decode()
    assert campaign.name_en in html and "Another race" in html
    assert "open until" in html and "JST" in html
    assert "Staff accounts" not in html
    assert "Unused recovery codes: 3 of 10" in html
    admin = sign_in(Client(), make_staff("ada", "admin"))
    html = admin.get("/ja/staff/").content.decode()
    assert "有効なスタッフアカウント: 2件" in html
    # An admin alone reviews nothing, but may edit the relay's stories.
    assert f'href="/ja/staff/review/{campaign.slug}/"' not in html
    assert f"/ja/staff/relay/{campaign.slug}/" in html


def test_an_admin_unlocks_a_locked_account(settings):
    admin = make_staff("ada", "admin")
    ren = make_staff("ren", "reviewer")
    stranger = Client(REMOTE_ADDR="192.0.2.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        stranger.post("/en/staff/login/", {"username": "ren", "password": "wrong"})
    ren_client = Client(REMOTE_ADDR="198.51.100.3")
    login = {"username": "ren", "password": PASSWORD}
    assert ren_client.post("/en/staff/login/", login).status_code == 429
    sign_in(Client(), admin).post(f"/en/staff/accounts/{ren.pk}/", {"action": "unlock"})
    assert ren_client.post("/en/staff/login/", login)["Location"] == "/en/staff/verify/"
    assert _events("staff.unlocked") == [
        # axes keeps one record per client that failed: the stranger's and Ren's own.
        {"actor_id": admin.pk, "before": None, "after": {"failures": 2}}
    ]
