"""Near-duplicate stories (MinHash/LSH) and repeat entrants, in memory for
``check_texts`` and through stored fingerprints for entries.

The stories are written for these tests. Each "race" group holds different
stories about the same race that share its landmarks and stock phrases (hard
negatives); the edited copies are what a re-sent story looks like.
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import pytest
from django.utils import timezone

from tasuki.entries.models import EntrantDetails, Entry, EntryStatus, new_receipt
from tasuki.review.check_models import FingerprintBand, TextFingerprint
from tasuki.review.checks import duplicate
from tasuki.review.checks.base import Document, Session
from tasuki.review.checks.duplicate import DuplicateCheck, RepeatEntrantCheck

EN_STORIES = [
    # 0
    "I had never run further than a half marathon before this race. At the 30 km mark, "
    "right where the course turns along the river, my calves started to cramp and I had "
    "to walk. A volunteer at the water station handed me a cup and told me that everyone "
    "walks somewhere, and that the bridge ahead was the last climb. I believed her. I "
    "jogged again, slowly, and every few hundred metres someone in the crowd shouted my "
    "name from my bib. When I crossed the finish line I cried. Thank you to all the "
    "volunteers and to the people of the city who stood in the cold for hours.",
    # 1
    "My father ran this race when it started nineteen years ago and I grew up handing out "
    "oranges at the 25 km corner with my mum. This year was my first time on the other "
    "side of the table. I wore his old cap, the faded blue one. Near the river I saw a "
    "little girl holding a tray of oranges exactly where we used to stand, and I took "
    "one and told her my dad would be proud of her. The bridge hurt. The last five "
    "kilometres were a blur. Thank you to all the volunteers, you keep this race alive.",
    # 2
    "I am a volunteer, not a runner. For six years I have stood at the finish line "
    "putting medals around necks. People think the fast runners are the story but the "
    "best moment is always after five hours, when the last runners come in and the whole "
    "crowd waits for them. This year an older man finished with his grandson pushing his "
    "wheelchair for the final hundred metres, and the entire street went silent and then "
    "roared. I forgot to hand him his medal because I was clapping. Thank you runners, "
    "you give us as much as we give you.",
    # 3
    "Training through the winter was lonely. I ran before work in the dark, five days a "
    "week, following a plan I found in a library book. On race day the weather was "
    "perfect and I went out too fast, of course. By the river at 30 km I had nothing "
    "left. A stranger in a yellow jacket ran beside me for a kilometre, said nothing, "
    "and then peeled off with a thumbs up. I never learned who he was. I finished in four "
    "hours and twelve minutes and the crowd at the finish line carried me the last bit. "
    "Thank you to the volunteers and to that man in yellow.",
]

JA_STORIES = [
    # 0
    "初めてのフルマラソンでした。30キロ地点の川沿いで足がつり、歩いてしまいました。"
    "給水所のボランティアの方が「みんなどこかで歩くよ、橋を越えたらもう上りはないよ」と"
    "声をかけてくれて、もう一度走り出すことができました。沿道の皆さんがゼッケンの名前を"
    "呼んでくれるたびに力が湧きました。ゴールした瞬間は涙が止まりませんでした。"
    "応援ありがとうございました。来年もまた走りたいです。",
    # 1
    "父がこの大会の第一回を走ったとき、私は母と25キロの角でみかんを配っていました。"
    "今年は初めてランナーとして出場しました。父の古い青い帽子をかぶって走りました。"
    "川沿いで、昔の私たちと同じ場所でみかんを配る小さな女の子を見つけ、一つもらって"
    "「お父さんも喜んでるよ」と伝えました。橋の上りはきつく、最後の5キロは記憶がありません。"
    "ボランティアの皆さん、応援ありがとうございました。",
    # 2
    "私はランナーではなくボランティアです。六年間、ゴールでメダルをかける係をしています。"
    "速い選手が主役だと思われがちですが、一番心に残るのは五時間を過ぎて最後のランナーが"
    "戻ってくるときです。今年は、お孫さんに車いすを押してもらいながら最後の百メートルを"
    "進んだ年配の男性がいて、通りが一瞬静まり返り、そして大きな拍手に包まれました。"
    "拍手に夢中でメダルを渡すのを忘れてしまいました。ランナーの皆さん、ありがとう。",
    # 3
    "冬の練習は孤独でした。仕事の前、まだ暗いうちに週五日走りました。本番は天気に恵まれ、"
    "案の定飛ばしすぎてしまい、川沿いの30キロ地点で力尽きました。そのとき黄色い上着の"
    "男性が何も言わずに一キロほど並走してくれ、親指を立てて去っていきました。"
    "名前も知りません。4時間12分でゴールし、最後は沿道の声援に運ばれるようでした。"
    "ボランティアの皆さん、そして黄色い上着の方、応援ありがとうございました。",
]


def edited_en(text: str) -> str:
    """A re-sent English story: a typo, a word changed, a sentence added and one dropped."""
    sentences = text.split(". ")
    sentences = sentences[:2] + sentences[3:]  # one sentence removed
    out = ". ".join(sentences)
    out = out.replace("the ", "teh ", 1).replace("cried", "cried like a child")
    return "Second try, sorry: " + out + " I will come back next year."


def edited_ja(text: str) -> str:
    """A re-sent Japanese story: a sentence dropped, one added, a word changed, punctuation."""
    sentences = text.split("。")
    sentences = sentences[:1] + sentences[2:]
    out = "。".join(sentences).replace("、", " ").replace("ました", "ましたね", 1)
    return out + "本当に最高の一日でした。"


def memory_run(texts: list[tuple[str, str]]) -> dict:
    """Check ``(ref, text)`` lines in order like ``check_texts``; ref → finding or None."""
    check = DuplicateCheck()
    session = Session(persistent=False)
    out = {}
    for ref, text in texts:
        findings = list(
            check.check(Document(ref=ref, language="en", fields={"text": text}), session)
        )
        assert len(findings) <= 1
        out[ref] = findings[0] if findings else None
    return out


# --- shingles and signatures -------------------------------------------------------------


def test_units_are_words_of_latin_and_characters_of_japanese():
    assert duplicate.units("ＨＥＬＬＯ  World, it's 42km!") == ["hello", "world", "it's", "42km"]
    # Hiragana folded to katakana; punctuation and emoji dropped; kanji one by one.
    assert duplicate.units("ありがとう、大会🏃") == ["ア", "リ", "ガ", "ト", "ウ", "大", "会"]
    # Invisible characters do not split a word.
    assert duplicate.units("tha\u200bnk you") == ["thank", "you"]


def test_signature_is_stable_and_estimates_jaccard():
    a = duplicate.shingles(EN_STORIES[0])
    b = duplicate.shingles(edited_en(EN_STORIES[0]))
    sig_a, sig_b = duplicate.signature(a), duplicate.signature(b)
    assert sig_a.dtype == np.uint64 and len(sig_a) == duplicate.NUM_PERM
    assert np.array_equal(duplicate.unpack(duplicate.pack(sig_a)), sig_a)
    # Same input, same signature and bands (a new process gives the same: no random seed).
    assert np.array_equal(sig_a, duplicate.signature(set(a)))
    assert duplicate.bands(sig_a) == duplicate.bands(duplicate.signature(set(a)))
    exact = len(a & b) / len(a | b)
    assert abs(duplicate.estimated_jaccard(sig_a, sig_b) - exact) < 0.15
    # Buckets are signed 64-bit integers (what a BigIntegerField holds).
    assert all(-(2**63) <= bucket < 2**63 for bucket in duplicate.bands(sig_a))
    # A fixed value: signatures stored by an earlier release stay comparable.
    assert duplicate.signature({"a b c"})[0] == duplicate.signature({"a b c"})[0]


@pytest.mark.parametrize("stories,edit", [(EN_STORIES, edited_en), (JA_STORIES, edited_ja)])
def test_edited_copies_are_alike_and_different_stories_are_not(stories, edit):
    check = DuplicateCheck()
    sets = [duplicate.shingles(s) for s in stories]
    for i, story in enumerate(stories):
        copy = duplicate.shingles(edit(story))
        jaccard = len(sets[i] & copy) / len(sets[i] | copy)
        assert check.similar(jaccard, len(sets[i]), len(copy)), (i, jaccard)
        for j in range(i + 1, len(stories)):
            jaccard = len(sets[i] & sets[j]) / len(sets[i] | sets[j])
            assert jaccard < 0.15, (i, j, jaccard)
            assert not check.similar(jaccard, len(sets[i]), len(sets[j]))


# --- check_texts: in memory --------------------------------------------------------------


def test_in_memory_the_later_copy_names_the_earlier_one():
    lines = [(f"en{i}", s) for i, s in enumerate(EN_STORIES)]
    lines += [(f"ja{i}", s) for i, s in enumerate(JA_STORIES)]
    lines += [("en0-again", edited_en(EN_STORIES[0])), ("ja2-again", edited_ja(JA_STORIES[2]))]
    lines += [("ja2-exact", JA_STORIES[2])]
    found = memory_run(lines)
    assert {ref for ref, f in found.items() if f} == {"en0-again", "ja2-again", "ja2-exact"}
    finding = found["en0-again"]
    assert finding.code == "duplicate" and finding.severity == "medium"
    assert finding.duplicate_of == "en0"
    assert 0.5 <= finding.similarity < 1
    assert finding.params["percent"] == round(finding.similarity * 100)
    assert "%(percent)s %% alike" in finding.reason
    assert str(finding.params["percent"]) in finding.reason_in("en")
    # The exact copy is most like the original (1.0), not like the edited copy.
    assert found["ja2-exact"].duplicate_of == "ja2"
    assert found["ja2-exact"].similarity == 1.0


def test_a_different_title_and_a_mixed_language_copy_still_match():
    story = EN_STORIES[1]
    entry = {"title": "Dad's cap", "pen_name": "Blue", "episode": story}
    again = {"title": "The orange girl", "pen_name": "Blue cap", "episode": story}
    check = DuplicateCheck()
    session = Session(persistent=False)
    assert not list(check.check(Document(ref=1, language="en", fields=entry), session))
    [finding] = check.check(Document(ref=2, language="ja", fields=again), session)
    assert finding.duplicate_of == 1 and finding.similarity > 0.9


def test_short_stories_sharing_stock_phrases_do_not_match():
    lines = [
        ("a", "Thank you to all the volunteers! My first marathon, and my knees survived."),
        ("b", "Thank you to all the volunteers! Dad paced me and we crossed the line together."),
        ("c", "応援ありがとうございました！初マラソンで膝がもちました！来年も走ります！"),
        ("d", "応援ありがとうございました！父と並んでゴールできました！来年も走ります！"),
        ("e", "ボランティアの皆さん、応援ありがとうございました。寒い中の給水に救われました。"),
        ("f", "ボランティアの皆さん、応援ありがとうございました。娘の声援で最後まで走れました。"),
    ]
    assert not any(memory_run(lines).values())


def test_a_short_story_sent_again_with_one_word_changed_matches():
    lines = [
        ("a", "Thank you to all the volunteers! Best race ever, see you next year!"),
        ("b", "Thank you to all the volunteers! Best marathon ever, see you next year!"),
    ]
    assert memory_run(lines)["b"].duplicate_of == "a"


@pytest.mark.parametrize(
    "text",
    ["", " \n\t ", "🏃‍♀️🏃🎉🎉🎉" * 50, "\u200b\u202e\u2066" * 100, "<script>alert(1)</script>"],
)
def test_bad_input_finds_nothing_and_does_not_crash(text):
    found = memory_run([("x", text), ("y", text)])
    assert found == {"x": None, "y": None}


def test_a_hundred_thousand_characters_are_checked():
    # How long it takes is measured by bench/checks_speed.py, not asserted here.
    huge = (JA_STORIES[0] + EN_STORIES[0]) * (100_000 // len(JA_STORIES[0] + EN_STORIES[0]) + 1)
    found = memory_run([("big", huge[:100_000]), ("big2", huge[:100_000])])
    # Both the same text: the second is a duplicate of the first.
    assert found["big2"].duplicate_of == "big"


def test_forget_drops_an_erased_line():
    check = DuplicateCheck()
    session = Session(persistent=False)
    doc = Document(ref="a", language="en", fields={"text": EN_STORIES[2]})
    assert not list(check.check(doc, session))
    check.forget("a", session)
    again = Document(ref="b", language="en", fields={"text": EN_STORIES[2]})
    assert not list(check.check(again, session))


def test_the_same_ref_twice_does_not_crash():
    found = memory_run([("a", EN_STORIES[3]), ("a", EN_STORIES[3])])
    assert found["a"].duplicate_of == "a"


# --- entries: stored fingerprints -----------------------------------------------------------

DEFAULTS = {
    "language": "en",
    "title": "A title",
    "pen_name": "Pen",
    "role": "runner",
    "country": "JP",
    "appeal": "",
    "episode": "",
    "wishes": "",
    "tagline": "",
    "age_group": "adult",
}


def make_entry(campaign, *, when=None, email="a@example.com", ip="", **fields) -> Entry:
    when = when or timezone.now()
    entry = Entry.objects.create(
        campaign=campaign,
        period=campaign.periods.first(),
        terms_version=campaign.terms_versions.first(),
        receipt=new_receipt(),
        submission_key=uuid.uuid4(),
        consented_at=when,
        submitted_at=when,
        arrived_at=when,
        **{**DEFAULTS, **fields},
    )
    EntrantDetails.objects.create(
        entry=entry, real_name="A", email=email, email_digest="d-" + email, ip_digest=ip
    )
    return entry


def document(entry) -> Document:
    fields = {name: getattr(entry, name) for name in ("title", "pen_name", "episode", "appeal")}
    details = entry.details
    return Document(
        ref=entry.pk,
        language=entry.language,
        fields=fields,
        campaign_id=entry.campaign_id,
        entry=entry,
        email_digest=details.email_digest,
        connection_digest=details.ip_digest,
        arrived_at=entry.arrived_at,
    )


def stored_check(entry) -> list:
    return list(DuplicateCheck().check(document(entry), Session(persistent=True)))


@pytest.mark.django_db
def test_stored_fingerprints_find_the_earlier_entry(campaign):
    base = timezone.now() - dt.timedelta(hours=1)
    originals = [
        make_entry(campaign, when=base + dt.timedelta(minutes=i), episode=s)
        for i, s in enumerate(EN_STORIES + JA_STORIES)
    ]
    for entry in originals:
        assert stored_check(entry) == []
    assert TextFingerprint.objects.filter(campaign=campaign).count() == len(originals)
    assert FingerprintBand.objects.filter(entry=originals[0]).count() == duplicate.BANDS
    copy = make_entry(
        campaign, when=base + dt.timedelta(minutes=30), episode=edited_ja(JA_STORIES[1])
    )
    [finding] = stored_check(copy)
    assert finding.duplicate_of == originals[len(EN_STORIES) + 1].pk
    assert finding.code == "duplicate" and 0.5 <= finding.similarity <= 1
    # Checking the original again names nothing: the copy arrived later.
    assert stored_check(originals[len(EN_STORIES) + 1]) == []
    # Re-checking replaces the fingerprint instead of adding rows.
    stored_check(copy)
    assert FingerprintBand.objects.filter(entry=copy).count() == duplicate.BANDS
    assert TextFingerprint.objects.filter(entry=copy).count() == 1


@pytest.mark.django_db
def test_stored_ties_go_by_id_and_other_campaigns_and_withdrawn_entries_are_ignored(campaign):
    from tests.factories import open_campaign

    when = timezone.now()
    other_campaign = open_campaign()
    elsewhere = make_entry(other_campaign, when=when - dt.timedelta(days=1), episode=EN_STORIES[0])
    first = make_entry(campaign, when=when, episode=EN_STORIES[0])
    second = make_entry(campaign, when=when, episode=EN_STORIES[0])
    for entry in (elsewhere, first, second):
        stored_check(entry)
    assert stored_check(first) == []
    [finding] = stored_check(second)
    assert finding.duplicate_of == first.pk and finding.similarity == 1.0
    first.status, first.withdrawn_at = EntryStatus.WITHDRAWN, when
    first.save()
    assert stored_check(second) == []


@pytest.mark.django_db
def test_stored_short_and_empty_texts_are_kept_but_not_compared(campaign):
    a = make_entry(campaign, episode="Thank you volunteers!", title="")
    b = make_entry(campaign, episode="Thank you volunteers!", title="")
    assert stored_check(a) == [] and stored_check(b) == []
    assert TextFingerprint.objects.get(entry=b).shingles < 30
    assert not FingerprintBand.objects.filter(entry=b).exists()
    c = make_entry(campaign, episode="", title="")
    assert stored_check(c) == []


@pytest.mark.django_db
def test_stored_hard_negatives_are_not_duplicates(campaign):
    base = timezone.now()
    entries = [
        make_entry(campaign, when=base + dt.timedelta(seconds=i), episode=s)
        for i, s in enumerate(EN_STORIES + JA_STORIES)
    ]
    assert all(stored_check(entry) == [] for entry in entries)


# --- repeat entrants -------------------------------------------------------------------------


def repeat(entry, *, persistent=True) -> list:
    return list(RepeatEntrantCheck().check(document(entry), Session(persistent=persistent)))


@pytest.mark.django_db
def test_repeat_entrant_by_email(campaign):
    base = timezone.now() - dt.timedelta(hours=1)
    one = make_entry(campaign, when=base, email="k@example.com")
    two = make_entry(campaign, when=base + dt.timedelta(minutes=1), email="k@example.com")
    three = make_entry(campaign, when=base + dt.timedelta(minutes=2), email="k@example.com")
    make_entry(campaign, when=base, email="other@example.com")
    [finding] = repeat(three)
    assert finding.code == "repeat_entrant" and finding.severity == "low"
    assert finding.params == {"count": 2}
    assert finding.duplicate_of == two.pk  # the most recent earlier one
    assert "2 other entries" in finding.reason_in("en")
    [first] = repeat(one)
    assert first.duplicate_of == two.pk  # nothing earlier: the next one
    assert repeat(three, persistent=False) == []


@pytest.mark.django_db
def test_repeat_entrant_by_connection_only_with_other_addresses(campaign):
    base = timezone.now() - dt.timedelta(hours=1)
    make_entry(campaign, when=base, email="a@example.com", ip="net1")
    b = make_entry(campaign, when=base + dt.timedelta(minutes=1), email="b@example.com", ip="net1")
    lone = make_entry(campaign, when=base, email="c@example.com", ip="")
    same = make_entry(campaign, when=base, email="d@example.com", ip="net2")
    make_entry(campaign, when=base + dt.timedelta(minutes=1), email="d@example.com", ip="net2")
    [finding] = repeat(b)
    assert finding.params == {"count": 1} and "may" in finding.reason
    assert repeat(lone) == []
    # Same address and same connection: one finding (by e-mail), not two.
    assert [f.reason for f in repeat(same)] == [RepeatEntrantCheck.SAME_EMAIL]


def test_a_short_english_story_reordered_and_reworded_is_still_found():
    # Sentences reordered, the time written out, a word added: most word pairs
    # change (bigram similarity 0.50, under the bar), most words do not.
    lines = [
        (
            "a",
            "Finished my first marathon in 4:52 with my sister. She waited at the finish "
            "for an hour in the cold rain. Best sister in the world.",
        ),
        (
            "b",
            "Best sister in the world! She waited for an hour at the finish in the cold "
            "rain. I finished my first marathon with my sister in 4 hours 52.",
        ),
    ]
    assert memory_run(lines)["b"].duplicate_of == "a"
