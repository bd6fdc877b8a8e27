"""The flags bench: its scoring on a hand-made example, and the labelled sets' shape."""

from __future__ import annotations

import json

import pytest

from bench.flags import CODES, SETS, Counts, read_labelled, read_output, score

LABELLED = [
    {"id": "ja-1", "lang": "ja", "text": "a", "labels": []},
    {"id": "ja-2", "lang": "ja", "text": "b", "labels": ["advert"]},
    {"id": "ja-3", "lang": "ja", "text": "c", "labels": ["advert", "pii"]},
    {"id": "ja-4", "lang": "ja", "text": "a.", "labels": ["duplicate"], "duplicate_of": "ja-1"},
    {"id": "en-1", "lang": "en", "text": "d", "labels": []},
    {"id": "en-2", "lang": "en", "text": "e", "labels": ["advert"]},
    {"id": "en-3", "lang": "en", "text": "d!", "labels": ["duplicate"], "duplicate_of": "en-1"},
    {"id": "en-4", "lang": "en", "text": "f", "labels": []},
]


def flag(code, duplicate_of=None):
    item = {"code": code, "reason": "…", "spans": []}
    if duplicate_of is not None:
        item["duplicate_of"] = duplicate_of
    return item


OUTPUT = [
    json.dumps({"id": "ja-1", "flags": []}),
    json.dumps({"id": "ja-2", "flags": [flag("advert")]}),
    json.dumps({"id": "ja-3", "flags": [flag("pii"), flag("pii")]}),  # advert missed
    json.dumps({"id": "ja-4", "flags": [flag("duplicate", "ja-1")]}),
    json.dumps({"id": "en-1", "flags": [flag("advert")]}),  # a clean line flagged
    json.dumps({"id": "en-2", "flags": [flag("advert")]}),
    json.dumps({"id": "en-3", "flags": [flag("duplicate", "en-4")]}),  # the wrong line named
    # en-4 printed nothing
    "checked 7 texts in 0.01 s",
]


@pytest.fixture
def result():
    return score(LABELLED, read_output(OUTPUT))


def test_counts_per_code_and_language(result):
    advert_ja = result.counts[("advert", "ja")]
    assert (advert_ja.tp, advert_ja.fp, advert_ja.fn) == (1, 0, 1)
    assert advert_ja.fn_ids == ["ja-3"]
    assert advert_ja.precision == 1.0 and advert_ja.recall == 0.5
    assert advert_ja.f1 == pytest.approx(2 / 3)

    advert_en = result.counts[("advert", "en")]
    assert (advert_en.tp, advert_en.fp, advert_en.fn) == (1, 1, 0)
    assert advert_en.fp_ids == ["en-1"]
    assert advert_en.precision == 0.5 and advert_en.recall == 1.0

    advert_all = result.counts[("advert", "all")]
    assert (advert_all.tp, advert_all.fp, advert_all.fn) == (2, 1, 1)
    assert advert_all.precision == pytest.approx(2 / 3)
    assert advert_all.recall == pytest.approx(2 / 3)

    pii = result.counts[("pii", "ja")]
    assert (pii.tp, pii.fp, pii.fn) == (1, 0, 0)  # two pii flags on one line count once


def test_undefined_ratios_and_targets():
    nothing = Counts()
    assert nothing.precision is None and nothing.recall is None and nothing.f1 is None
    assert nothing.meets_target()
    missed = Counts(tp=0, fp=0, fn=3)
    assert missed.precision is None and missed.recall == 0.0 and missed.f1 == 0.0
    assert not missed.meets_target()
    assert Counts(tp=9, fp=1, fn=2).meets_target()  # 0.9 and 0.82
    assert not Counts(tp=8, fp=2, fn=0).meets_target()  # precision 0.8


def test_duplicates_clean_lines_and_missing_output(result):
    assert result.counts[("duplicate", "all")].tp == 2
    assert result.duplicate_target["ja"][:2] == (1, 1)
    assert result.duplicate_target["en"][:2] == (0, 1)
    assert result.duplicate_target["all"][2] == ["en-3"]
    assert result.clean["ja"][:2] == (0, 1)
    assert result.clean["en"] == (1, 2, ["en-1"])
    assert result.missing == ["en-4"]


def test_not_checked_is_a_note_not_a_flag():
    labelled = [{"id": "x", "lang": "en", "text": "t", "labels": []}]
    predicted = {"x": [{"code": "not_checked", "reason": "…", "spans": []}]}
    result = score(labelled, predicted)
    assert result.not_checked == ["x"]
    assert result.clean["en"][:2] == (0, 1)


@pytest.mark.parametrize("name", sorted(SETS))
def test_labelled_set_is_valid(name):
    lines = read_labelled(SETS[name])
    assert len(lines) >= 200
    ids = [line["id"] for line in lines]
    assert len(set(ids)) == len(ids)
    seen: dict[str, dict] = {}
    for line in lines:
        assert set(line) <= {"id", "lang", "text", "labels", "duplicate_of"}, line["id"]
        assert line["lang"] in ("ja", "en")
        assert isinstance(line["text"], str)
        assert set(line["labels"]) <= set(CODES), line["id"]
        assert len(set(line["labels"])) == len(line["labels"])
        if "duplicate" in line["labels"]:
            original = seen.get(line["duplicate_of"])
            assert original is not None, f"{line['id']} repeats a line that is not earlier"
            assert original["lang"] == line["lang"]
        else:
            assert "duplicate_of" not in line
        seen[line["id"]] = line
    languages = [line["lang"] for line in lines]
    assert languages.count("ja") == languages.count("en")
    for lang in ("ja", "en"):
        of_lang = [line for line in lines if line["lang"] == lang]
        for code in CODES:
            assert sum(code in line["labels"] for line in of_lang) >= 8, (lang, code)
        clean = sum(not line["labels"] for line in of_lang)
        assert clean >= 0.4 * len(of_lang)


def test_sets_share_no_story():
    dev = {line["text"] for line in read_labelled(SETS["dev"]) if len(line["text"]) > 20}
    test = {line["text"] for line in read_labelled(SETS["test"]) if len(line["text"]) > 20}
    assert not dev & test
