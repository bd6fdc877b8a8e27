"""The back office's own pages: sign-in steps, home, and staff accounts.

Every view declares its rule with a decorator from ``tasuki.staff.roles``; the
URL-walk test reads it from the view and checks every URL against it.
"""

from __future__ import annotations

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.middleware import is_verified as otp_is_verified
from django_otp.plugins.otp_totp.models import TOTPDevice

from tasuki.staff import roles as staff_roles
from tasuki.staff import selectors, services
from tasuki.staff.forms import (
    ROLE_LABELS,
    CodeForm,
    EnrolmentForm,
    LoginForm,
    NewAccountForm,
    RolesForm,
)
from tasuki.staff.models import EnrolmentLink
from tasuki.staff.roles import staff_password_step, staff_public, staff_required

NEXT_KEY = "staff_next"
ENROL_LINK_KEY = "staff_enrol_link"
ENROL_TOTP_SESSION = "staff_enrol_totp"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request) -> str:
    target = request.session.pop(NEXT_KEY, "") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("staff:home")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- sign in ---------------------------------------------------------------------


@staff_public
@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    """Step one: username (or e-mail) and password."""
    if request.user.is_authenticated and request.user.is_verified():
        return redirect("staff:home")
    if request.method == "GET" and request.GET.get("next"):
        request.session[NEXT_KEY] = request.GET["next"]
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        given = form.cleaned_data["username"].strip()
        username = _username_for(given)
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            services.record_password_failure(username=username, request=request)
            form.add_error(
                None,
                gettext(
                    "The username or password is not right. Check both and try again; "
                    "after several failed attempts the account is locked for a while."
                ),
            )
        else:
            next_url = request.session.get(NEXT_KEY)
            login(request, user, backend=_BACKEND)
            if next_url:
                request.session[NEXT_KEY] = next_url
            return redirect("staff:verify" if user_has_device(user) else "staff:enrol")
    return render(request, "staff/login.html", {"form": form})


def _username_for(given: str) -> str:
    """The account a username or an e-mail address names (an address only if it names one)."""
    users = get_user_model().objects
    match = users.filter(username__iexact=given).first()
    if match is None:
        by_email = list(users.filter(email__iexact=given)[:2])
        match = by_email[0] if len(by_email) == 1 else None
    return match.get_username() if match is not None else given


@staff_password_step
@never_cache
def verify(request):
    """Step two: the code from the authenticator app, or a recovery code."""
    user = request.user
    if user.is_verified():
        return redirect("staff:home")
    if not user_has_device(user):
        return redirect("staff:enrol")
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return locked_out(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result, device = services.check_second_factor(
            user=user, code=form.cleaned_data["code"], request=request
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return locked_out(request)
        if result.ok:
            # A new session key for the now fully signed-in session, as login() does.
            request.session.cycle_key()
            otp_login(request, device)
            if result is services.Check.RECOVERY_CODE:
                left = services.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    gettext(
                        "You signed in with a recovery code; it cannot be used again. "
                        "Unused recovery codes left: %(count)s."
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
        form.add_error("code", _CODE_MESSAGES[result]())
    return render(request, "staff/verify.html", {"form": form})


_CODE_MESSAGES = {
    services.Check.WRONG: lambda: gettext(
        "That code is not right. Enter the six-digit code your app shows now, "
        "or one of your recovery codes."
    ),
    services.Check.REUSED_TOTP: lambda: gettext(
        "That code has already been used. Wait until your app shows the next code "
        "and enter that one."
    ),
    services.Check.REUSED_RECOVERY_CODE: lambda: gettext(
        "That recovery code has already been used, and each one works only once. "
        "Enter another recovery code or the code from your app."
    ),
    services.Check.THROTTLED: lambda: gettext(
        "Several wrong codes in a row: wait a few seconds, then enter the code your app shows now."
    ),
}


@staff_public
@never_cache
def enrol_link(request, token: str):
    """Opening an enrolment link changes nothing but this browser's session.

    The token moves into the session and the browser is sent on to a URL
    without it, so it stays out of the history and of any later Referer.
    """
    link = (
        EnrolmentLink.objects.select_related("user")
        .filter(token_digest=services.digest(token))
        .first()
    )
    if link is None or not link.is_usable() or not link.user.is_active:
        return render(request, "staff/enrol_link_invalid.html", status=404)
    if request.user.is_authenticated and request.user.pk != link.user_id:
        logout(request)
    if request.session.get(ENROL_LINK_KEY) != link.pk:
        request.session[ENROL_LINK_KEY] = link.pk
        request.session[ENROL_TOTP_SESSION] = services.new_totp_key()
    return redirect("staff:enrol")


@staff_public
@sensitive_post_parameters("password1", "password2", "code")
@never_cache
def enrol(request):
    """Choose a password and set up the authenticator app (from an enrolment link)."""
    link_id = request.session.get(ENROL_LINK_KEY)
    link = (
        EnrolmentLink.objects.select_related("user").filter(pk=link_id).first() if link_id else None
    )
    if link is None or not link.is_usable():
        if request.user.is_authenticated and request.user.is_verified():
            return redirect("staff:home")
        # Signed in with a password but no device, or no link at all.
        return render(request, "staff/enrol_needs_link.html", status=403)
    user = link.user
    secret = request.session[ENROL_TOTP_SESSION]
    form = EnrolmentForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.complete_enrolment(
                link_id=link.pk,
                key_hex=secret,
                password=form.cleaned_data["password1"],
                code=form.cleaned_data["code"],
                request=request,
            )
        except services.EnrolmentError as exc:
            if exc.code == "link":
                return render(request, "staff/enrol_link_invalid.html", status=404)
            form.add_error(
                "code",
                gettext(
                    "That code is not right. Check that the app shows Tasuki, then enter "
                    "the six digits it shows now."
                ),
            )
        else:
            user.refresh_from_db()  # the new password changes the session's auth hash
            login(request, user, backend=_BACKEND)
            otp_login(request, device)
            # As OTPMiddleware does for later requests, so this page's header knows.
            request.user.is_verified = functools.partial(otp_is_verified, request.user)
            return _no_store(
                render(request, "staff/recovery_codes.html", {"codes": codes, "user": user})
            )
    device = TOTPDevice(user=user, name="authenticator", key=secret)
    qr = segno.make(device.config_url, error="m").svg_inline(
        scale=5, title=gettext("QR code for your authenticator app")
    )
    context = {
        "form": form,
        "enrolling": user,
        # segno's own SVG; the only text in it is our translated title, escaped by segno.
        "qr_svg": mark_safe(qr),  # noqa: S308  # nosec B308 B703
        "secret": _grouped(_base32(secret)),
    }
    return _no_store(render(request, "staff/enrol.html", context))


def _base32(key_hex: str) -> str:
    import base64

    return base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@staff_public
@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        logout(request)
    messages.info(request, gettext("You are signed out."))
    return redirect("staff:login")


def csrf_failure(request, reason: str = ""):
    """A form in the back office came back without its security token.

    Back-office forms get a message of their own (the public one speaks of an
    entry); every other path keeps the public site's page.
    """
    from tasuki.core.views import csrf_failure as public_csrf_failure

    match = request.resolver_match
    if match is None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
    if match is None or match.namespace != "staff":
        return public_csrf_failure(request, reason)
    return render(request, "staff/csrf.html", status=403)


def locked_out(request, response=None, credentials=None):
    """Axes' lock-out answer, on our own page and in the reader's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "staff/locked.html", {"minutes": minutes}, status=429)


# --- the back office ------------------------------------------------------------


@staff_required
def home(request):
    """What this staff member can reach today, by role."""
    user = request.user
    held = staff_roles.roles_of(user)
    context = {
        "roles": [ROLE_LABELS[r] for r in staff_roles.ROLES if r in held],
        "activity": selectors.own_activity(user),
        "recovery_left": services.remaining_recovery_codes(user),
        "may_manage_staff": staff_roles.may_manage_staff(user),
        "may_see_personal_data": staff_roles.may_see_personal_data(user),
    }
    # The same roles as the review app's views (tasuki.review.views) allow.
    context["may_review"] = bool(held & {staff_roles.REVIEWER, staff_roles.CAMPAIGN_MANAGER})
    context["may_see_dashboard"] = bool(held & {staff_roles.CAMPAIGN_MANAGER, staff_roles.ADMIN})
    if held & {
        staff_roles.REVIEWER,
        staff_roles.EDITOR,
        staff_roles.CAMPAIGN_MANAGER,
        staff_roles.ADMIN,
    }:
        context["campaigns"] = [
            (c, *selectors.current_period(c)) for c in selectors.campaigns_overview()
        ]
    if context["may_manage_staff"]:
        context["staff_count"] = selectors.staff_accounts().filter(is_active=True).count()
    return render(request, "staff/home.html", context)


@staff_required
@require_POST
def logout_everywhere(request):
    services.sign_out_everywhere(user=request.user, request=request)
    logout(request)
    messages.info(
        request, gettext("You are signed out on every device. Sign in again to continue.")
    )
    return redirect("staff:login")


def _link_context(request, token: str) -> dict:
    url = request.build_absolute_uri(reverse("staff:enrol_link", args=[token]))
    qr = segno.make(url, error="m").svg_inline(scale=4, title=gettext("QR code of the link"))
    # segno's own SVG of a URL we built (letters, digits, - and _ in the token).
    return {"link_url": url, "link_qr": mark_safe(qr)}  # noqa: S308  # nosec B308 B703


@staff_required(roles=[staff_roles.ADMIN])
def accounts(request):
    """Staff accounts: the list, and a form for a new one."""
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, token = services.create_staff_account(
            actor=request.user,
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            roles=form.cleaned_data["roles"],
            request=request,
        )
        context = {"account": user, **_link_context(request, token)}
        return _no_store(render(request, "staff/link_issued.html", context))
    rows = [
        (u, [ROLE_LABELS[g.name] for g in u.groups.all() if g.name in ROLE_LABELS])
        for u in selectors.staff_accounts()
    ]
    return render(request, "staff/accounts.html", {"form": form, "rows": rows})


@staff_required(roles=[staff_roles.ADMIN])
def account(request, pk: int):
    """One account: its roles, deactivation, a new enrolment link."""
    user = get_object_or_404(selectors.staff_accounts(), pk=pk)
    held = (
        sorted(staff_roles.roles_of(user))
        if user.is_active
        else sorted(g.name for g in user.groups.all() if g.name in staff_roles.ROLES)
    )
    form = RolesForm(request.POST or None, initial={"roles": held})
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "roles" and form.is_valid():
                services.set_roles(
                    actor=request.user, user=user, roles=form.cleaned_data["roles"], request=request
                )
                messages.success(request, gettext("The roles were saved."))
                return redirect("staff:account", pk=user.pk)
            if action in ("deactivate", "reactivate"):
                services.set_active(
                    actor=request.user, user=user, active=action == "reactivate", request=request
                )
                messages.success(
                    request,
                    gettext("The account was deactivated; its sessions have ended.")
                    if action == "deactivate"
                    else gettext("The account is active again."),
                )
                return redirect("staff:account", pk=user.pk)
            if action == "unlock":
                services.unlock(actor=request.user, user=user, request=request)
                messages.success(
                    request, gettext("The account is unlocked: it may sign in again now.")
                )
                return redirect("staff:account", pk=user.pk)
            if action == "link":
                token = services.issue_enrolment_link(
                    actor=request.user, user=user, request=request
                )
                context = {"account": user, **_link_context(request, token)}
                return _no_store(render(request, "staff/link_issued.html", context))
        except services.LastAdmin:
            error = gettext(
                "This is the last active admin. Give another account the admin role first."
            )
    context = {
        "account": user,
        "form": form,
        "error": error,
        "has_device": user_has_device(user),
    }
    return render(request, "staff/account.html", context, status=409 if error else 200)
