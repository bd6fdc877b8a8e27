"""Who may do what in the back office: the one API every staff view uses.

A role is a Django group with one of the names in :data:`ROLES`; an account
may hold several. Roles do not imply each other: an admin manages accounts and
exports, and reviews only if also given the reviewer role.

* ``reviewer``: reads entries and photos, flags, decides, scores, comments;
  never sees an entrant's personal data (blind review).
* ``editor``: prepares published stories.
* ``campaign_manager``: periods, criteria, rubric, decisions, the draw and
  mail; may open an entrant's personal data (each opening is audited).
* ``admin``: staff accounts and roles, exports with personal data.

Every back-office view is wrapped in :func:`staff_required`, which also
declares the view's rule on the view itself (``view.staff_access``), so the
URL-walk test (tests/staff/test_url_walk.py) can read it for every URL::

    @staff_required(roles=[REVIEWER, CAMPAIGN_MANAGER])
    def queue(request, campaign_slug): ...

Views of the sign-in steps themselves declare :func:`staff_public` (anyone)
or :func:`staff_password_step` (signed in with a password, second factor not
yet given).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse

REVIEWER = "reviewer"
EDITOR = "editor"
CAMPAIGN_MANAGER = "campaign_manager"
ADMIN = "admin"
#: Every role, in the order pages list them.
ROLES = (REVIEWER, EDITOR, CAMPAIGN_MANAGER, ADMIN)

#: Roles that may open an entrant's personal data.
PERSONAL_DATA_ROLES = frozenset({CAMPAIGN_MANAGER, ADMIN})

_CACHE = "_tasuki_roles"


def roles_of(user) -> frozenset[str]:
    """The roles an active account holds (empty for anyone else); cached on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def forget_roles(user) -> None:
    """Drop the cached roles (after they were changed in this request)."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def has_role(user, *roles: str) -> bool:
    """True if the account holds at least one of ``roles``."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    return bool(roles_of(user) & set(roles))


def is_staff_member(user) -> bool:
    """An active account with at least one role."""
    return bool(roles_of(user))


def is_verified(user) -> bool:
    """Signed in with a password and a second factor in this session."""
    return bool(getattr(user, "is_authenticated", False) and user.is_verified())


def may_see_personal_data(user) -> bool:
    """May open an entrant's name, address, handles (each opening must be audited)."""
    return bool(roles_of(user) & PERSONAL_DATA_ROLES)


def may_manage_staff(user) -> bool:
    """May create accounts, change roles, deactivate and issue enrolment links."""
    return has_role(user, ADMIN)


# --- the rule of a view ----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Access:
    """What a back-office view requires, as the URL-walk test reads it.

    ``kind`` is ``"public"`` (anyone), ``"password"`` (the password step done,
    the second factor not needed) or ``"staff"`` (a verified second factor and
    one of ``roles``; ``roles`` empty means any role).
    """

    kind: str
    roles: frozenset[str] = frozenset()

    def allows(self, user) -> bool:
        if self.kind == "public":
            return True
        if self.kind == "password":
            return bool(getattr(user, "is_authenticated", False))
        held = roles_of(user)
        return bool(held) and (not self.roles or bool(held & self.roles))


def _declare(view: Callable, access: Access) -> Callable:
    view.staff_access = access
    return view


def staff_public(view: Callable) -> Callable:
    """A sign-in page anyone may open (login, enrolment link, lock-out)."""
    return _declare(view, Access("public"))


def staff_password_step(view: Callable) -> Callable:
    """A page for an account that gave its password but no second factor yet."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request)
        return view(request, *args, **kwargs)

    return _declare(wrapped, Access("password"))


def staff_required(view: Callable | None = None, *, roles: Iterable[str] | None = None):
    """Guard a back-office view: second factor verified, and one of ``roles``.

    Anonymous: redirect to the login page (with ``next``). Password given but
    no second factor: redirect to the second-factor step (or to enrolment when
    the account has no device). Verified but without a needed role: 403.
    """
    wanted = frozenset(roles or ())
    unknown = wanted - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    access = Access("staff", wanted)

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request)
            if not user.is_verified():
                return redirect_to_second_factor(request)
            if not access.allows(user):
                return forbidden(request)
            return func(request, *args, **kwargs)

        return _declare(wrapped, access)

    return decorate(view) if view is not None else decorate


def redirect_to_login(request):
    return redirect(reverse("staff:login") + "?" + urlencode({"next": request.get_full_path()}))


def redirect_to_second_factor(request):
    from django_otp import user_has_device

    if user_has_device(request.user):
        return redirect("staff:verify")
    return redirect("staff:enrol")


def forbidden(request):
    """403 on our own page, in the staff member's language."""
    return render(request, "staff/403.html", status=403)
