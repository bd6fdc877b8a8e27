"""The ``inappropriate`` check on a labelled list of its own, and on bad input."""

from __future__ import annotations

import time

import pytest

from tasuki.review.checks.base import Document, Session, Severity
from tasuki.review.checks.inappropriate import REASONS, InappropriateCheck

CHECK = InappropriateCheck()

#: (text, expected kind) — abuse the check must flag, with the kind it must name.
POSITIVES = [
    # English
    ("You are a stupid idiot and you should not be running.", "insult"),
    ("The marshals at km 20 were useless morons who pointed us the wrong way.", "insult"),
    ("To the idiot who elbowed me at the start: learn some manners.", "insult"),
    ("Those clowns on the organising committee can't even count cups.", "insult"),
    ("If I see the guy who tripped me again, I will kill you, mate.", "threat"),
    ("I know where you live, and I'm coming for you.", "threat"),
    ("Anyone who walks on the course should just die.", "threat"),
    ("Nobody wants you here, slowpoke. Stay home next time.", "harassment"),
    ("The girl at the water station had a nice ass, if you know what I mean.", "sexual"),
    ("Ran behind a woman in tiny shorts the whole way, best view of the day.", "sexual"),
    ("Foreigners clog the course, they should go back where they came from.", "hate"),
    ("Disabled people should stay out of the race, they slow us down.", "hate"),
    ("Some retard in a costume blocked the whole road.", "hate"),
    ("Fuck the organisers and their pathetic water stations.", "profanity"),
    ("sh1t organisers, f*ck them all", "profanity"),
    # Japanese
    ("お前なんか死ね。二度と大会に来るな。", "threat"),
    ("横から押してきたやつ、覚えてろよ。次会ったら殺すぞ。", "threat"),
    ("給水所のボランティア、マジでクズばっか。", "insult"),
    ("運営はバカか。給水が足りないだろ。", "insult"),
    ("隣のおばさんがブスすぎて萎えた。", "insult"),
    ("遅いやつはマラソンなんか出るな。", "harassment"),
    ("前を走ってた女の人のお尻ばかり見てた（笑）", "sexual"),
    ("あの子の連絡先を教えてほしい。来年は待ち伏せしよう。", "harassment"),
    ("障害者は別の日に走れよ。邪魔なんだよ。", "hate"),
    ("女のくせにフルマラソンなんて生意気。", "hate"),
    ("くたばれ、クソ運営。", "threat"),
    ("ＫＵＳＯ運営 ｸｿ野郎", "insult"),
]

#: Runners' idioms, self-deprecation and ordinary words that must not be flagged.
NEGATIVES = [
    # English
    "That killer hill at km 38 nearly finished me off.",
    "I was damn tired by the halfway point but kept going.",
    "My legs were dead after 30 km and I walked the drinks stations.",
    "I wanted to kill that last hill, and I did!",
    "This race is sick, the crowds are unreal.",
    "I thought I would die at km 35, then my daughter shouted my name.",
    "I felt like an idiot for going out too fast.",
    "Grinning like an idiot on the start line in the rain.",
    "What a stupid mistake I made skipping the gel at km 25.",
    "The volunteers picked up every piece of trash along the course.",
    "It was a brutal, bloody hard day, but what a finish.",
    "The heat was killing me, so I poured water over my head.",
    "Shut up legs, I told myself, and pushed through the wall.",
    "Holy crap, I actually qualified for Boston.",
    "We had a blast at the after party, the DJ killed it.",
    "My sports bra chafed so badly I had blood on my shirt.",
    "I finally beat my PB and smashed the last 5 km.",
    "A dead heat at the line with my best friend.",
    "The women's race was won in a course record.",
    # Japanese
    "35km過ぎは死ぬほど疲れたけど、沿道の声援で最後まで走れた。",
    "殺人的な坂が続く後半、心臓が止まるかと思った。",
    "ゴールした瞬間、足が死んだ。",
    "鬼のような坂と地獄の30km、それでも楽しかった。",
    "バカみたいに最初から飛ばして後半失速した。",
    "俺ってほんとバカだな、と思いながら歩いた。",
    "ゴミ拾いのボランティアの方々に感謝です。",
    "ランナーが捨てたゴミを拾ってくれた中学生たち。",
    "痛みよ消えろ、と念じながら走った。",
    "シューズが脱げそうになって焦った。",
    "ブスッと足に何か刺さったかと思ったら靴擦れだった。",
    "カステラを補給食に持って行きました。",
    "あの坂に殺されるかと思った（笑）",
    "必死で走って、死にそうになりながらゴールした。",
    "気持ち悪くなって30kmで少し歩いた。",
    "給水所の女子高生ボランティアが笑顔で応援してくれた。",
    "シネマのような景色が続くコースでした。",
]


def _findings(text: str):
    document = Document(ref=1, language="ja", fields={"text": text})
    return list(CHECK.check(document, Session(persistent=False)))


@pytest.mark.parametrize(("text", "kind"), POSITIVES)
def test_positives_are_flagged_with_their_kind(text, kind):
    findings = _findings(text)
    assert findings, text
    assert all(f.code == "inappropriate" and f.severity == Severity.HIGH for f in findings)
    assert REASONS[kind] in {f.reason for f in findings}, [f.reason for f in findings]
    for finding in findings:
        assert finding.spans
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(text)


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_are_not_flagged(text):
    assert _findings(text) == []


def test_labelled_list_scores():
    flagged_positives = sum(bool(_findings(text)) for text, _ in POSITIVES)
    flagged_negatives = sum(bool(_findings(text)) for text in NEGATIVES)
    assert flagged_positives / len(POSITIVES) >= 0.9
    assert flagged_negatives == 0


def test_spans_point_at_the_words_in_the_original_text():
    text = "完走！でもスタートで押してきた奴、覚えてろよ。"
    (finding,) = _findings(text)
    assert [text[s.start : s.end] for s in finding.spans] == ["覚えてろよ"]
    text = "Great day. You\u200b are an i\u200bdiot, marshal."
    (finding,) = _findings(text)
    assert [text[s.start : s.end] for s in finding.spans] == ["i\u200bdiot"]


def test_full_width_and_hidden_characters_do_not_hide_a_word():
    for text in [
        "お前は\u200bバ\u200dカか",
        "ｵﾏｴﾊﾞｶｶ!",
        "\u202eお前なんか死ね",
        "ＹＯＵ　ＩＤＩＯＴ",
    ]:
        assert _findings(text), text


def test_one_finding_per_kind_and_fields_are_kept_apart():
    document = Document(
        ref=1,
        language="en",
        fields={"title": "You idiot", "episode": "", "tagline": "I will kill you"},
    )
    findings = list(CHECK.check(document, Session(persistent=False)))
    kinds = {f.reason: {s.field for s in f.spans} for f in findings}
    assert kinds == {REASONS["insult"]: {"title"}, REASONS["threat"]: {"tagline"}}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🏃‍♀️🏃🎉🎉🎉" * 50,
        "<script>alert('バカ')</script><b>hello</b>",
        "\u202e\u200b\u200c\u200d\ufeff",
        "مرحبا 안녕하세요 Привет 你好",
        "a" * 100_000,
        ("死ぬほど疲れた。killer hill. " * 5000),
    ],
)
def test_bad_input_never_crashes(text):
    findings = _findings(text)
    for finding in findings:
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(text)


def test_html_payload_is_flagged_with_spans_in_the_raw_text():
    text = "<p onclick='x'>お前は<b>バカ</b>か</p>"
    # The tags separate the words: nothing is said to be aimed at anyone…
    assert _findings(text) == []
    text = "<p>死ね</p>"
    (finding,) = _findings(text)
    assert [text[s.start : s.end] for s in finding.spans] == ["死ね"]


def test_speed_on_short_clean_entries():
    texts = [text for text in NEGATIVES] * 20
    _findings(texts[0])
    began = time.perf_counter()
    for text in texts:
        _findings(text)
    per_second = len(texts) / (time.perf_counter() - began)
    assert per_second > 300, per_second
