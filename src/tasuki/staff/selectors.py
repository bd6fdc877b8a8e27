"""Reads for the back-office pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.audit.models import AuditEvent
from tasuki.campaigns.models import Campaign, EntryPeriod
from tasuki.staff import roles as staff_roles


def campaigns_overview():
    """Every campaign, newest first, with its entry count, last arrival and periods."""
    return (
        Campaign.objects.annotate(
            entry_count=Count("entries"), last_arrival=Max("entries__submitted_at")
        )
        .prefetch_related(Prefetch("periods", queryset=EntryPeriod.objects.order_by("number")))
        .order_by("-created_at")
    )


def current_period(campaign, at=None):
    """The period open now, else the next one, else the last one (for the home page)."""
    at = at or timezone.now()
    periods = list(campaign.periods.all())
    for period in periods:
        if period.is_open(at):
            return period, "open"
    upcoming = [p for p in periods if not p.is_closed_by(at) and not p.is_open(at)]
    if upcoming:
        return upcoming[0], "upcoming"
    return (periods[-1], "closed") if periods else (None, None)


#: How the home page names the sign-in actions; other apps' actions show their code.
ACTION_LABELS = {
    "staff.login": _("Signed in"),
    "staff.login_failed": _("A sign-in attempt failed"),
    "staff.enrolled": _("Set up the second factor"),
    "staff.recovery_code_used": _("Used a recovery code"),
    "staff.logout_everywhere": _("Signed out everywhere"),
    "staff.account_created": _("Created a staff account"),
    "staff.roles_changed": _("Changed a staff member's roles"),
    "staff.deactivated": _("Deactivated a staff account"),
    "staff.reactivated": _("Reactivated a staff account"),
    "staff.enrolment_link_issued": _("Issued an enrolment link"),
    "staff.unlocked": _("Unlocked a staff account"),
}


def own_activity(user, limit: int = 10) -> list[tuple]:
    """The staff member's own latest rows in the audit trail, as (time, label, code)."""
    events = AuditEvent.objects.filter(actor_id=user.pk).order_by("-id")[:limit]
    return [(e.at, ACTION_LABELS.get(e.action, e.action), e.action) for e in events]


def staff_accounts():
    """Every account that holds a role or once did (inactive ones too)."""
    return (
        get_user_model()
        .objects.filter(groups__name__in=staff_roles.ROLES)
        .distinct()
        .prefetch_related("groups")
        .order_by("username")
    )
