"""Every URL of the back office, as every kind of visitor: the answer its rule promises.

The URLs come from the resolver (everything under ``staff/`` in the language
prefix), so a new back-office URL is walked as soon as it exists; a view
without a rule (``tasuki.staff.roles``) fails here. URL arguments are filled
with real objects: a campaign, one of its entries, and that entry's photo.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from PIL import Image

from tasuki.staff.roles import ROLES, Access
from tests.conftest import run_worker, solve_altcha
from tests.factories import entry_data, open_campaign
from tests.staff.conftest import make_staff, sign_in

#: Who walks: anonymous, a password without the second factor, a verified
#: account with no role, and one verified account per role.
VISITORS = ["anonymous", "unverified", "no_role", *ROLES]


def _walk(resolvers, prefix="", namespace=""):
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _walk(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern):
            yield route, namespace, entry


def back_office_patterns() -> list[tuple[str, str, URLPattern]]:
    """Every URL pattern whose route (after the language prefix) starts with staff/."""
    found = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        inner = route.split("/", 1)[1] if route.startswith(("ja/", "en/")) else route
        if inner.startswith("staff/") or route.lstrip("^").startswith("staff/"):
            found.append((route, namespace, pattern))
    return found


PATTERNS = back_office_patterns()


def test_the_walk_finds_the_back_office():
    names = {f"{ns}:{p.name}" for _, ns, p in PATTERNS}
    assert {"staff:home", "staff:login", "staff:verify", "staff:accounts"} <= names


@pytest.mark.parametrize(
    "pattern", [p for _, _, p in PATTERNS], ids=[f"{ns}:{p.name}" for _, ns, p in PATTERNS]
)
def test_every_back_office_view_declares_its_rule(pattern):
    access = getattr(pattern.callback, "staff_access", None)
    assert isinstance(access, Access), (
        f"{pattern.lookup_str} has no rule: wrap it in staff_required(roles=…), "
        "staff_password_step or staff_public (tasuki.staff.roles)"
    )


@pytest.fixture
def world(db, settings, tmp_path):
    """A campaign, an entry with a processed photo, one account per visitor."""
    from tasuki.entries import services as entry_services
    from tasuki.entries.forms import EntryForm

    campaign = open_campaign()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 40)).save(buffer, "PNG")
    key = uuid.uuid4()
    photo = entry_services.store_photo(submission_key=key, file=buffer, size=buffer.tell())
    form = EntryForm(entry_data(altcha=solve_altcha(), submission_key=str(key)), campaign=campaign)
    assert form.is_valid(), form.errors
    entry = entry_services.submit_entry(
        campaign=campaign, data=form.cleaned_data, photo_tokens=[photo.token]
    ).entry
    run_worker()
    photo.refresh_from_db()
    width, formats = next(iter(photo.renditions.items()))
    values = {
        "slug": campaign.slug,
        "pk": entry.pk,
        "token": photo.token,
        "width": int(width),
        "fmt": next(f for f in ("webp", "jpeg") if f in formats),
    }
    accounts = {"unverified": make_staff("half", "reviewer"), "no_role": make_staff("none")}
    for role in ROLES:
        accounts[role] = make_staff(f"is-{role}", role)
    return values, accounts


def _url(namespace, pattern, values, accounts):
    kwargs = {}
    for name in pattern.pattern.converters:
        if name == "pk" and namespace == "staff":
            kwargs[name] = accounts["editor"].pk  # staff:account takes an account
        elif name == "token" and namespace == "staff":
            kwargs[name] = "not-a-real-token"
        else:
            assert name in values, f"the walk has no object for <{name}>: add one to world()"
            kwargs[name] = values[name]
    with translation.override("en"):
        return reverse(f"{namespace}:{pattern.name}", kwargs=kwargs)


#: Pages of an object that belongs to one staff member (their export): each visitor
#: is walked to one of their own; someone else's answers 404 (tests/review).
OWNED = {"review:export_status", "review:export_download"}


def _owned_url(namespace, pattern, values, owner) -> str:
    from tasuki.campaigns.models import Campaign
    from tasuki.review import exports

    campaign = Campaign.objects.get(slug=values["slug"])
    job = exports.request_export(campaign, by=owner, fmt="csv", query="", personal=False)
    exports.write(job.pk)
    with translation.override("en"):
        return reverse(f"{namespace}:{pattern.name}", kwargs={"slug": campaign.slug, "pk": job.pk})


def _client(visitor, accounts) -> Client:
    client = Client()
    if visitor == "anonymous":
        return client
    return sign_in(client, accounts[visitor], verified=visitor != "unverified")


def _expected(access: Access, visitor: str) -> str:
    if access.kind == "public":
        return "public"
    if visitor == "anonymous":
        return "login"
    if access.kind == "password":
        return "open"
    if visitor == "unverified":
        return "second_factor"
    if visitor == "no_role" or (access.roles and visitor not in access.roles):
        return "forbidden"
    return "ok"


@pytest.mark.parametrize(
    ("namespace", "pattern"),
    [(ns, p) for _, ns, p in PATTERNS],
    ids=[f"{ns}:{p.name}" for _, ns, p in PATTERNS],
)
def test_every_back_office_url_answers_as_its_rule_says(world, namespace, pattern):
    values, accounts = world
    access = pattern.callback.staff_access
    url = _url(namespace, pattern, values, accounts)
    answers = {}
    for visitor in VISITORS:
        client = _client(visitor, accounts)
        if f"{namespace}:{pattern.name}" in OWNED and visitor in accounts:
            url = _owned_url(namespace, pattern, values, accounts[visitor])
        response = client.get(url)
        posted = response.status_code == 405 and "GET" not in response["Allow"]
        if posted:
            # A view that only takes POST is walked with an (empty) POST.
            response = client.post(url, {})
        answers[visitor] = (response.status_code, response.get("Location", ""))
        ok = _answer_fits(_expected(access, visitor), response, posted=posted)
        assert ok, f"{url} as {visitor}: {answers[visitor]} ({access})"


def _answer_fits(expected: str, response, *, posted: bool) -> bool:
    status, where = response.status_code, response.get("Location", "")
    body = response.content.decode(errors="replace") if status == 403 else ""
    role_page = "This page is not part of your role" in body
    if expected == "login":
        return (status, where.split("?")[0]) == (302, "/en/staff/login/")
    if expected == "second_factor":
        return (status, where) == (302, "/en/staff/verify/")
    if expected == "forbidden":
        return status == 403 and role_page
    if expected == "ok" and not posted:
        return status == 200
    if expected == "ok":
        # Past the rule, an empty POST is the view's own business (a message, a
        # redirect; signing out everywhere ends at the login page).
        return status < 500 and not role_page and where != "/en/staff/verify/"
    if expected == "public":
        return status < 500 and not role_page
    # The second-factor step, signed in with a password: the page, not the login.
    return status < 500 and not role_page and not where.startswith("/en/staff/login/")
