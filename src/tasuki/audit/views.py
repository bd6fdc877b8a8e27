"""The audit trail in the back office: admins see and filter everything, every
other staff member sees their own history."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tasuki.audit.models import AuditEvent
from tasuki.staff.roles import ADMIN, has_role, staff_required

PAGE_SIZE = 100


@require_safe
@staff_required
def trail(request: HttpRequest) -> HttpResponse:
    everything = has_role(request.user, ADMIN)
    events = AuditEvent.objects.order_by("-id")
    if not everything:
        events = events.filter(actor_id=request.user.pk)
    visible = events
    action = request.GET.get("action", "").strip()[:80]
    actor = request.GET.get("actor", "").strip()[:150]
    target = request.GET.get("target", "").strip()[:64]
    if action:
        events = events.filter(action__startswith=action)
    if actor and everything:
        events = events.filter(actor_label=actor)
    if target:
        events = events.filter(target_id=target)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/trail.html",
        {
            "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
            "everything": everything,
            "action": action,
            "actor": actor,
            "target": target,
            "query": query.urlencode(),
            "actions": visible.values_list("action", flat=True).distinct().order_by("action"),
        },
    )
