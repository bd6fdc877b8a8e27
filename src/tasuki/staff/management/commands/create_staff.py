"""Make a staff account and print its one-time enrolment link (and the link as a QR code).

There is never a default account: the first admin is made with this command,
on the server, e.g. ``manage.py create_staff alice --role admin --email alice@example.org``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils import translation

from tasuki.staff import roles as staff_roles
from tasuki.staff import services


def enrolment_url(token: str, language: str = "ja") -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse("staff:enrol_link", args=[token])


def print_link(stdout, token: str, *, qr: bool = True, language: str = "ja") -> None:
    import segno

    url = enrolment_url(token, language)
    hours = settings.TASUKI_STAFF_ENROLMENT_HOURS
    stdout.write(f"One-time enrolment link (works once, for {hours} hours):\n\n  {url}\n")
    if qr:
        stdout.write("\nThe same link as a QR code, for a phone:\n")
        segno.make(url, error="m").terminal(out=stdout._out, compact=True)
    stdout.write(
        "\nOpen it, choose a password and scan the second-factor QR code shown there "
        "with an authenticator app.\n"
    )


class Command(BaseCommand):
    help = "Create a staff account with roles and print its one-time enrolment link."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--role",
            action="append",
            choices=staff_roles.ROLES,
            required=True,
            help="a role to give (repeat for several)",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--language", choices=["ja", "en"], default="ja")
        parser.add_argument("--no-qr", action="store_true", help="print the link only")

    def handle(self, *args, username, role, email, language, no_qr, **options):
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise CommandError(
                f"An account named {username!r} already exists. Issue it a new link from "
                "the staff accounts page, or choose another name."
            )
        _, token = services.create_staff_account(
            actor=None, username=username, email=email, roles=role
        )
        self.stdout.write(f"Created the staff account {username!r} ({', '.join(sorted(role))}).")
        print_link(self.stdout, token, qr=not no_qr, language=language)
