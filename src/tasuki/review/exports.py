"""Exports of the filtered queue as CSV or XLSX.

Personal columns (real name, address, handles, guardian) only for a role
allowed to export them (admins); every export is in the audit trail. A small
export is written while the staff member waits; a large one is written by the
worker, which counts the rows it has written so the page can show progress.
Cells that a spreadsheet would read as a formula (=, +, -, @ first) are
written as text, so an entrant's answer can never run in staff's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tasuki.audit.services import record
from tasuki.core.timefmt import format_jst
from tasuki.entries.models import private_storage
from tasuki.review import selectors
from tasuki.review.models import Export, ExportStatus
from tasuki.staff.roles import ADMIN, has_role

#: Up to this many rows the file is written while the staff member waits.
INLINE_ROWS = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def may_export_personal_data(user) -> bool:
    return has_role(user, ADMIN)


def entries_for(export: Export):
    query = QueryDict(export.query)
    entries = selectors.queue(export.campaign, selectors.QueueFilters.from_query(query))
    text = query.get("q", "").strip()[:200]
    if text:
        entries = selectors.search(entries, text)
    if export.with_personal_data:
        entries = entries.select_related("details")
    return entries


def headings(export: Export) -> list[str]:
    columns = [
        _("Receipt"),
        _("Arrived (JST)"),
        _("Entry period"),
        _("Title"),
        _("Pen name"),
        _("Role"),
        _("Language"),
        _("Country or region"),
        _("Under 18"),
        _("Address confirmed"),
        _("Review state"),
        _("Featured"),
        _("In the draw"),
        _("Disqualified for"),
        _("Mean score"),
        _("Reviews"),
    ]
    if export.with_personal_data:
        columns += [_("Real name"), _("E-mail address"), _("Instagram"), _("X"),
                    _("Parent or guardian")]  # fmt: skip
    return columns


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def rows(export: Export) -> Iterator[list[str]]:
    yes, no = _("yes"), _("no")
    for entry in entries_for(export).iterator(chunk_size=500):
        review = getattr(entry, "review", None)
        row = [
            entry.receipt,
            format_jst(entry.submitted_at),
            entry.period.name,
            entry.title,
            entry.pen_name,
            entry.get_role_display(),
            entry.get_language_display(),
            entry.country.name,
            yes if entry.is_minor else no,
            yes if entry.is_verified else no,
            review.get_state_display() if review else _("New"),
            yes if review and review.featured else no,
            yes if review and review.eligible else no,
            review.disqualified_for.name if review and review.disqualified_for else "",
            f"{entry.mean_score:.2f}" if entry.mean_score is not None else "",
            str(entry.review_count),
        ]
        if export.with_personal_data:
            details = entry.details
            row += [details.real_name, details.email, details.instagram_handle,
                    details.x_handle, details.guardian_name]  # fmt: skip
        yield [_safe(v) for v in row]


@transaction.atomic
def request_export(campaign, *, by, fmt: str, query: str, personal: bool) -> Export:
    """Record an export (and who asked for what); the file is written next."""
    personal = personal and may_export_personal_data(by)
    export = Export.objects.create(
        campaign=campaign,
        requested_by=by,
        format="xlsx" if fmt == "xlsx" else "csv",
        query=query[:1000],
        with_personal_data=personal,
    )
    export.total = entries_for(export).count()
    export.save(update_fields=["total"])
    record(
        "review.exported",
        actor=by,
        target=export,
        campaign_id=campaign.pk,
        after={"format": export.format, "rows": export.total, "personal_data": personal},
    )
    return export


def write(export_id: int, *, language: str = "ja") -> Export | None:
    """Write the file (worker side for large exports), counting rows as it goes."""
    export = Export.objects.select_related("campaign").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.DONE:
        return export
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    try:
        with translation.override(language):
            content = _xlsx(export) if export.format == "xlsx" else _csv(export)
        name = f"exports/{export.campaign.slug}-{export.pk}.{export.format}"
        path = private_storage().save(name, ContentFile(content))
    except Exception:
        Export.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        raise
    Export.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE, path=path, written=export.total, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def _progress(export: Export, written: int) -> None:
    if written % 1000 == 0:
        Export.objects.filter(pk=export.pk).update(written=min(written, export.total))


def _csv(export: Export) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headings(export))
    for n, row in enumerate(rows(export), start=1):
        writer.writerow(row)
        _progress(export, n)
    # A byte-order mark so that spreadsheet programs read Japanese as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(export: Export) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=export.campaign.slug[:31])
    sheet.append(headings(export))
    for n, row in enumerate(rows(export), start=1):
        sheet.append(row)
        _progress(export, n)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def media_type(export: Export) -> str:
    if export.format == "xlsx":
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "text/csv; charset=utf-8"


def is_inline(export: Export) -> bool:
    return export.total <= getattr(settings, "TASUKI_EXPORT_INLINE_ROWS", INLINE_ROWS)
