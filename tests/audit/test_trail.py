"""The audit trail: append-only, hash-chained, and checkable by a command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tasuki.audit.models import GENESIS, AppendOnly, AuditEvent
from tasuki.audit.services import record, verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("mika", password="not-used-here-0")


def three(staff):
    first = record("staff.login", actor=staff)
    second = record(
        "review.decided",
        actor=staff,
        target=staff,
        before={"state": "new"},
        after={"state": "decided", "score": Decimal("4.5"), "at": dt.datetime(2026, 3, 19)},
    )
    third = record("staff.logout_everywhere", actor=staff)
    return first, second, third


def raw(sql: str, params=()) -> None:
    """Change the table behind the application's back, as an intruder with SQL would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # triggers off
        cursor.execute(sql, params)


def test_rows_are_chained_and_the_chain_verifies(staff):
    first, second, third = three(staff)
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert second.target_type == "auth.user" and second.target_id == str(staff.pk)
    assert second.actor_label == "mika"
    assert verify_chain() is None
    call_command("verify_audit")


def test_a_changed_row_is_named(staff):
    _, second, _ = three(staff)
    with transaction.atomic():
        raw(
            "UPDATE audit_auditevent SET after = %s WHERE id = %s",
            ['{"state": "new"}', second.pk],
        )
    assert verify_chain().pk == second.pk
    with pytest.raises(CommandError, match=f"#{second.pk}"):
        call_command("verify_audit")


def test_a_removed_row_is_noticed_at_its_successor(staff):
    _, second, third = three(staff)
    with transaction.atomic():
        raw("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
    assert verify_chain().pk == third.pk


def test_the_application_cannot_change_or_delete_a_row(staff):
    event = record("staff.login", actor=staff)
    event.action = "staff.nothing_happened"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "staff.login"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger is PostgreSQL's (SQLite is for development only)",
)
def test_the_database_refuses_changes_on_postgresql(staff):
    event = record("staff.login", actor=staff)
    for sql in ("UPDATE audit_auditevent SET action = 'x' WHERE id = %s",
                "DELETE FROM audit_auditevent WHERE id = %s"):  # fmt: skip
        with (
            pytest.raises(DatabaseError, match="never updated or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="staff.login").exists()


def test_a_record_is_kept_or_dropped_with_the_change_it_records(staff):
    with pytest.raises(RuntimeError), transaction.atomic():
        record("review.decided", actor=staff)
        raise RuntimeError("the decision failed")
    assert not AuditEvent.objects.exists()
    record("review.decided", actor=staff)
    assert verify_chain() is None


def test_admins_see_the_whole_trail_and_others_their_own(client):
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from tasuki.staff.roles import ADMIN, REVIEWER
    from tests.staff.conftest import make_staff, sign_in

    admin, reviewer = make_staff("ada", ADMIN), make_staff("rin", REVIEWER)
    record("review.decided", actor=reviewer)
    record("staff.roles_changed", actor=admin)
    with translation.override("en"):
        url = reverse("audit:trail")
    everything = sign_in(client, admin).get(url).content.decode()
    assert "review.decided" in everything and "staff.roles_changed" in everything
    own = sign_in(Client(), reviewer).get(url).content.decode()
    assert "review.decided" in own and "staff.roles_changed" not in own
    filtered = sign_in(Client(), admin).get(url, {"action": "staff."}).content.decode()
    assert "<code>review.decided</code>" not in filtered
