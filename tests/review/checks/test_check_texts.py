"""``manage.py check_texts`` (issue 9, item 5): texts outside the database,
checked in order as earlier entries of one campaign, one JSON line out per
line in, reasons in the line's language, spans into the line's text; it reads
and writes no database row and survives bad lines."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import gettext_noop

from tasuki.review.checks.base import Check, Finding, Severity, Span


class EchoCheck(Check):
    """Flags "XYZ" with its span, and a line whose text an earlier line had."""

    codes = ("advert", "duplicate")

    def check(self, document, session):
        assert session.persistent is False
        text = document.fields["text"]
        seen = session.state.setdefault("seen", {})
        if text in seen:
            yield Finding(
                code="duplicate",
                severity=Severity.MEDIUM,
                reason=gettext_noop("This story is the same as an earlier entry."),
                duplicate_of=seen[text],
            )
        else:
            seen[text] = document.ref
        start = text.find("XYZ")
        if start >= 0:
            yield Finding(
                code="advert",
                severity=Severity.HIGH,
                reason=gettext_noop("This story is the same as an earlier entry."),
                spans=(Span("text", start, start + 3),),
            )


class Unrelated(Check):
    """Calls every line unrelated, giving way to an advert found in the same run."""

    codes = ("off_purpose",)

    def check(self, document, session):
        yield Finding(
            code="off_purpose",
            severity=Severity.MEDIUM,
            reason=gettext_noop("This story is the same as an earlier entry."),
            yields_to=("advert",),
        )


class TentativeAdvert(Check):
    """An advert it is not sure of: it too gives way, so it displaces nothing."""

    codes = ("advert",)

    def check(self, document, session):
        yield Finding(
            code="advert",
            severity=Severity.MEDIUM,
            reason=gettext_noop("This story is the same as an earlier entry."),
            yields_to=("off_purpose",),
        )


class PhotoOnly(Check):
    codes = ("photo_small",)
    reads_photos = True

    def check(self, document, session):  # pragma: no cover - must never be called
        raise AssertionError("check_texts has no photos")


@pytest.fixture(autouse=True)
def fakes():
    with override_settings(
        TASUKI_CHECKS=[{"NAME": f"{__name__}.EchoCheck"}, {"NAME": f"{__name__}.PhotoOnly"}]
    ):
        yield


def check_texts(tmp_path, lines: list) -> list[dict]:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines),
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("check_texts", str(path), stdout=out, stderr=err)
    assert "checked" in err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


# No test here has database access (no django_db mark): pytest-django makes any
# query fail, so these tests also show that the command touches no table.


def test_one_line_out_per_line_in_with_spans_and_earlier_lines(tmp_path):
    lines = [
        {"id": "a", "lang": "en", "text": "buy XYZ now"},
        {"id": "b", "lang": "ja", "text": "沿道の応援"},
        {"id": 7, "lang": "ja", "text": "沿道の応援"},
    ]
    out = check_texts(tmp_path, lines)
    assert [o["id"] for o in out] == ["a", "b", 7]
    assert out[0]["flags"] == [
        {
            "code": "advert",
            "severity": "high",
            "reason": "This story is the same as an earlier entry.",
            "spans": [[4, 7]],
        }
    ]
    assert out[1]["flags"] == []
    assert out[2]["flags"][0]["code"] == "duplicate"
    assert out[2]["flags"][0]["duplicate_of"] == "b"


def test_bad_lines_are_answered_and_the_rest_still_checked(tmp_path):
    out = check_texts(
        tmp_path,
        [
            "not json at all",
            {"id": "no-text", "lang": "en"},
            {"id": "x", "lang": "fr", "text": "XYZ"},
            '["a", "list"]',
            {"id": "ok", "lang": "en", "text": ""},
        ],
    )
    assert len(out) == 5
    assert out[0]["id"] == 1 and out[0]["flags"] == [] and "error" in out[0]
    assert out[1]["id"] == "no-text" and "error" in out[1]
    assert out[2]["flags"][0]["spans"] == [[0, 3]]  # unknown language: still checked
    assert "error" in out[3]
    assert out[4] == {"id": "ok", "flags": []}


def test_reasons_follow_the_line_language(tmp_path, settings):
    out = check_texts(tmp_path, [{"id": 1, "lang": "ja", "text": "XYZ"}])
    reason = out[0]["flags"][0]["reason"]
    # Japanese when the catalogue has it; never an empty or broken string.
    assert reason and "%(" not in reason


def test_a_finding_gives_way_to_the_code_it_yields_to(tmp_path):
    with override_settings(
        TASUKI_CHECKS=[{"NAME": f"{__name__}.Unrelated"}, {"NAME": f"{__name__}.EchoCheck"}]
    ):
        out = check_texts(
            tmp_path,
            [{"id": 1, "lang": "en", "text": "buy XYZ"}, {"id": 2, "lang": "en", "text": "hi"}],
        )
    assert [f["code"] for f in out[0]["flags"]] == ["advert"]  # no "unrelated" beside it
    assert [f["code"] for f in out[1]["flags"]] == ["off_purpose"]


def test_tentative_findings_do_not_displace_each_other(tmp_path):
    with override_settings(
        TASUKI_CHECKS=[
            {"NAME": f"{__name__}.Unrelated"},
            {"NAME": f"{__name__}.TentativeAdvert"},
        ]
    ):
        out = check_texts(tmp_path, [{"id": 1, "lang": "en", "text": "hello"}])
    assert sorted(f["code"] for f in out[0]["flags"]) == ["advert", "off_purpose"]
