"""Forms of the sign-in steps and of the staff accounts page."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminAuthenticationForm

from tasuki.staff import roles as staff_roles

ROLE_LABELS = {
    staff_roles.REVIEWER: _("Reviewer"),
    staff_roles.EDITOR: _("Editor"),
    staff_roles.CAMPAIGN_MANAGER: _("Campaign manager"),
    staff_roles.ADMIN: _("Admin"),
}


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username or e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class EnrolmentForm(forms.Form):
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    code = forms.CharField(
        label=_("The six-digit code your app shows now"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2:
            if p1 != p2:
                self.add_error("password2", _("The two passwords are not the same."))
            else:
                try:
                    password_validation.validate_password(p1, self.user)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


def _role_field():
    return forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(r, ROLE_LABELS[r]) for r in staff_roles.ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": _("Use letters, digits and . @ + - _ only.")},
    )
    email = forms.EmailField(label=_("E-mail address"))
    roles = _role_field()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("An account with this username already exists."))
        return username

    def clean_roles(self):
        roles = self.cleaned_data["roles"]
        if not roles:
            raise ValidationError(_("Choose at least one role."))
        return roles


class RolesForm(forms.Form):
    roles = _role_field()


class MaintenanceLoginForm(OTPAdminAuthenticationForm):
    """The /maintenance/ login, whose wrong second-factor codes count towards the lock-out.

    django-axes sees wrong passwords there through its backend; a wrong OTP
    code is refused by the form after the password passed, so it is reported
    here, as the back office's own second-factor step does.
    """

    def clean_otp(self, user):
        try:
            super().clean_otp(user)
        except ValidationError:
            if user is not None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": user.get_username()},
                    request=self.request,
                )
            raise
