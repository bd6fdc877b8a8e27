"""The classifier behind the word lists: shipped in the package, read the same
way in training and at run time, consulted only when the lists find nothing,
its evidence a passage of the entrant's own text, and the checks still work
without it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tasuki.review.checks import classifier
from tasuki.review.checks.base import Document, Session
from tasuki.review.checks.inappropriate import InappropriateCheck
from tasuki.review.checks.off_purpose import OffPurposeCheck


def doc(text: str, language: str = "en") -> Document:
    return Document(ref=1, language=language, fields={"text": text})


def test_the_model_ships_in_the_package_with_a_threshold_per_code():
    assert classifier.MODEL_PATH.exists()
    shipped = classifier.model()
    assert set(shipped.codes) == {"inappropriate", "advert", "off_purpose"}
    for code in shipped.codes.values():
        assert set(code.thresholds) == {"ja", "en"}
        assert all(0.5 <= t < 1 for t in code.thresholds.values())
        assert code.weights.shape == (classifier.N_FEATURES,)
        assert np.count_nonzero(code.weights) > 1000  # learnt, not empty


def test_training_and_run_time_read_text_the_same_way():
    # Hiragana as katakana, full-width folded, invisible characters gone.
    assert classifier.prepare("ＡＢＣ  ば\u200bか") == classifier.prepare("abc バカ")


def test_short_notes_are_left_to_the_rules():
    assert not classifier.enough_text("感謝しかない。")
    assert not classifier.enough_text("Sub 5, finally!")
    assert classifier.enough_text(
        "沿道の声援に背中を押されて、最後の坂を歩かずに登り切ることができた。"
    )
    assert classifier.enough_text(
        "The crowd at the river pushed me up the last hill without walking."
    )


def test_the_evidence_is_the_passage_inside_a_longer_answer():
    story = (
        "I loved the drums at Asakusa and the kids with their high fives. "
        "The old fat woman pacing the 5 hour group was a disgusting cow, "
        "someone should shove her off the course. "
        "Still, the finish in front of the station was a dream."
    )
    shipped = classifier.TextModel()
    # Whatever the shipped threshold: which passage is shown is what is tested.
    code = shipped.codes["inappropriate"]
    shipped.codes["inappropriate"] = dataclasses.replace(code, thresholds={"ja": 0.0, "en": 0.0})
    passage = shipped.best("inappropriate", story)
    assert passage is not None
    assert story[passage.start : passage.end].strip().startswith("The old fat woman")
    assert passage.end <= story.index("Still")


def test_a_model_finding_is_used_only_when_the_lists_find_nothing(monkeypatch):
    seen = []
    real = classifier.model_finding

    def spy(code, document, **kwargs):
        seen.append(code)
        return real(code, document, **kwargs)

    monkeypatch.setattr(classifier, "model_finding", spy)
    listed = list(InappropriateCheck().check(doc("You idiot, get off the course."), Session(False)))
    assert listed and seen == []  # the word list answered
    list(InappropriateCheck().check(doc("A lovely morning by the river."), Session(False)))
    assert seen == ["inappropriate"]


@pytest.mark.parametrize("check", [InappropriateCheck(), OffPurposeCheck()])
def test_the_checks_work_without_the_model(monkeypatch, check):
    monkeypatch.setattr(classifier, "model", lambda: None)
    text = "The volunteers at km 30 were wonderful and the crowd carried me home."
    assert list(check.check(doc(text), Session(False))) == []


def test_threshold_choice_keeps_precision_and_the_clean_rate():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
    from train_text_model import choose_threshold

    scores = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([True, True, False, True, True, False, False, False])
    clean = ~labels
    # 0.86 is the lowest threshold with precision 1.0 (0.85 lets in a clean line).
    assert choose_threshold(scores, labels, clean, precision=1.0, clean_rate=0.0) == 0.86
    # Allowing one clean line in four (25 %) and precision 0.75 reaches further.
    assert choose_threshold(scores, labels, clean, precision=0.75, clean_rate=0.25) == 0.61


def test_the_model_rarely_flags_the_rules_hard_negatives():
    """The hard negatives written to test the word lists (runners' idioms,
    brands, kind words about people, short race notes), none of them seen in
    training: the classifier alone flags a few ("please judge it yourself"),
    never many."""
    from tests.review.checks import test_advert, test_inappropriate, test_off_purpose

    clean = [
        *test_inappropriate.NEGATIVES,
        *test_inappropriate.UNSEEN_NEGATIVES,
        *(text for _, text in test_advert.NOT_ADVERTS + test_advert.MORE_NOT_ADVERTS),
        *(text for _, text in test_off_purpose.ON_PURPOSE + test_off_purpose.MORE_ON_PURPOSE),
    ]
    clean = [t if isinstance(t, str) else t[0] for t in clean]
    flagged = [
        text
        for text in clean
        for code in ("inappropriate", "advert")
        if classifier.model_finding(code, doc(text), severity="medium")
    ]
    flagged += [
        text
        for text in clean
        if classifier.model_finding("off_purpose", doc(text), severity="medium", passages=False)
    ]
    assert len(clean) > 300
    # The bound for clean stories (under 5 % flagged), on lines written
    # to trip word lists up; 11 of 363 (3 %) with the model trained today.
    assert len(flagged) / len(clean) < 0.05, flagged


def test_the_demo_entries_whole_and_genuine_are_not_flagged_by_the_model():
    """Seven answers read as one text (as the checks read an entry): the demo's
    genuine entries stay below every threshold, which the training script
    guarantees and this keeps when the model is trained again."""
    import json

    from tasuki.review.flagging import FIELDS

    path = classifier.MODEL_PATH.parents[3] / "entries" / "demo" / "entries.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    flagged = []
    for index, item in enumerate(items):
        document = Document(
            ref=index, language=item["language"], fields={f: item.get(f) or "" for f in FIELDS}
        )
        for code in ("inappropriate", "advert"):
            if classifier.model_finding(code, document, severity="medium"):
                flagged.append((index, code))
        if classifier.model_finding("off_purpose", document, severity="medium", passages=False):
            flagged.append((index, "off_purpose"))
    assert len(items) > 40
    assert flagged == []
