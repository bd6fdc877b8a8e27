"""Development only: a demo campaign manager and a fresh one-time enrolment link.

``make run`` calls it so that a newcomer can reach the back office within a
minute. It refuses in production, where no account exists until an admin
makes one with ``create_staff``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tasuki.staff import roles as staff_roles
from tasuki.staff import services
from tasuki.staff.management.commands.create_staff import print_link

USERNAME = "demo-manager"


class Command(BaseCommand):
    help = "Development only: a demo campaign manager with a one-time enrolment link."

    def add_arguments(self, parser):
        parser.add_argument("--no-qr", action="store_true")

    def handle(self, *args, no_qr, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "demo_staff only runs in development: production has no demo accounts. "
                "Use create_staff to make the first admin."
            )
        user = get_user_model().objects.filter(username=USERNAME).first()
        if user is None:
            user, token = services.create_staff_account(
                actor=None,
                username=USERNAME,
                email="demo-manager@example.invalid",
                roles=[staff_roles.CAMPAIGN_MANAGER],
            )
        else:
            token = services.issue_enrolment_link(actor=None, user=user)
        self.stdout.write(
            f"Back office: sign in as the demo campaign manager {USERNAME!r}. "
            "Open this link, choose a password and add the QR code to an authenticator app:"
        )
        print_link(self.stdout, token, qr=not no_qr)
