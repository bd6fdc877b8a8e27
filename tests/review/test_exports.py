"""Exports of the queue: the filtered rows, personal columns only for admins,
formulas written as text, large files by the worker with progress, and every
export in the audit trail."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tasuki.audit.models import AuditEvent
from tasuki.review.models import Export, ExportStatus
from tasuki.staff.roles import ADMIN, REVIEWER
from tests.review.test_decisions import make_entry
from tests.staff.conftest import make_staff, sign_in

pytestmark = pytest.mark.django_db


def url(name, *args):
    with translation.override("en"):
        return reverse(f"review:{name}", args=args)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def entries(campaign):
    return [
        make_entry(campaign, title="=HYPERLINK(\"http://x\")", email="a@example.com",
                   language="en", real_name="Ann Real"),
        make_entry(campaign, title="海辺の給水所", email="b@example.com", language="ja"),
    ]  # fmt: skip


def test_a_reviewer_exports_the_filtered_queue_without_personal_data(client, campaign, entries):
    reviewer = sign_in(client, make_staff("rin", REVIEWER))
    response = reviewer.post(
        url("export", campaign.slug), {"format": "csv", "query": "language=ja", "personal": "yes"}
    )
    text = body(response).decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment")
    assert "海辺の給水所" in text and "HYPERLINK" not in text  # the filter held
    assert "b@example.com" not in text  # no personal columns for a reviewer
    event = AuditEvent.objects.get(action="review.exported")
    assert event.after == {"format": "csv", "rows": 1, "personal_data": False}


def test_an_admin_may_add_personal_data_and_formulas_stay_text(campaign, entries):
    admin = sign_in(Client(), make_staff("ada", ADMIN))
    response = admin.post(url("export", campaign.slug), {"format": "csv", "personal": "yes"})
    text = body(response).decode("utf-8-sig")
    assert "a@example.com" in text and "Ann Real" in text
    assert "'=HYPERLINK" in text  # would run as a formula in a spreadsheet otherwise


def test_xlsx_opens_with_the_same_rows(campaign, entries):
    from openpyxl import load_workbook

    admin = sign_in(Client(), make_staff("ada", ADMIN))
    response = admin.post(url("export", campaign.slug), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(body(response))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 3 and "海辺の給水所" in {v for row in values for v in row}


def test_a_large_export_goes_to_the_worker_with_progress(campaign, entries, settings, worker):
    settings.TASUKI_EXPORT_INLINE_ROWS = 1
    admin = sign_in(Client(), make_staff("ada", ADMIN))
    response = admin.post(url("export", campaign.slug), {"format": "csv"})
    job = Export.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/exports/{job.pk}/")
    waiting = admin.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting and "<progress" in waiting
    assert admin.get(url("export_download", campaign.slug, job.pk)).status_code == 404
    worker()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.written == job.total == 2
    done = admin.get(url("export_status", campaign.slug, job.pk)).content.decode()
    assert "Download the file" in done and 'http-equiv="refresh"' not in done
    file = admin.get(url("export_download", campaign.slug, job.pk))
    assert "海辺の給水所" in body(file).decode("utf-8-sig")
    other = sign_in(Client(), make_staff("rin", REVIEWER))
    assert other.get(url("export_status", campaign.slug, job.pk)).status_code == 404
