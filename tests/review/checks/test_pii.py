"""The ``pii`` check on a labelled list of its own, and on bad input."""

from __future__ import annotations

import pytest

from tasuki.review.checks.base import Document, Session, Severity
from tasuki.review.checks.pii import REASONS, PersonalDataCheck

CHECK = PersonalDataCheck()

#: (text, kind, the evidence the span must cover in the original text).
POSITIVES = [
    # phone numbers
    (
        "落とし物を預かっています。０８０－３２９１－５５０７までご連絡ください。",
        "phone",
        "０８０－３２９１－５５０７",
    ),
    ("お礼がしたいので03-6812-4470（自宅）にお電話ください。", "phone", "03-6812-4470"),
    ("連絡はこちら 090ー1234ー5678", "phone", "090ー1234ー5678"),
    ("携帯は09012345678です", "phone", "09012345678"),
    (
        "連絡はこちらまで 090-7\u200b35\u200b1-2\u200b046",
        "phone",
        "090-7\u200b35\u200b1-2\u200b046",
    ),
    ("Call or WhatsApp me on +44 20 7946 0381.", "phone", "+44 20 7946 0381"),
    ("Text me so we can run again: +81 90-6632-1948 (Mike).", "phone", "+81 90-6632-1948"),
    ("If you ran with us, call Linda at (415) 555-0187.", "phone", "(415) 555-0187"),
    ("Call me to swap race photos: 07700 9\u200b00\u200b462", "phone", "07700 9\u200b00\u200b462"),
    ("My number is 080-2947-6153.", "phone", "080-2947-6153"),
    # e-mail addresses
    (
        "写真を送りたいので kenta.runner@example.jp にメールください！",
        "email",
        "kenta.runner@example.jp",
    ),
    ("メールは yumi.hashiru あっと example.com です。", "email", "yumi.hashiru あっと example.com"),
    ("連絡先：sato＠example．co．jp", "email", "sato＠example．co．jp"),
    (
        "please get in touch: tom dot baker at example dot com.",
        "email",
        "tom dot baker at example dot com",
    ),
    ("write to me: runner [at] example [dot] org", "email", "runner [at] example [dot] org"),
    (
        "Email me at sarah.j.runs@example.com if you found them.",
        "email",
        "sarah.j.runs@example.com",
    ),
    # messaging IDs
    ("仲良くなった皆さん、LINE ID: hashiru_taro まで！", "messaging", "LINE ID: hashiru_taro"),
    ("ラインIDはsakura123です。", "messaging", "ラインIDはsakura123"),
    # postal addresses
    (
        "〒135-0099 東京都江東区見本町2丁目8-14 サンプルハイツ305号 までお手紙ください。",
        "address",
        "東京都江東区見本町2丁目8-14",
    ),
    ("私は東京都世田谷区見本台3-21-5に住んでいます。", "address", "東京都世田谷区見本台3-21-5"),
    (
        "住所は大阪府大阪市北区見本通1丁目2番3号です。",
        "address",
        "大阪府大阪市北区見本通1丁目2番3号",
    ),
    ("send a postcard to 14 Example Road, Flat 2, Bristol BS9 9ZZ", "address", "14 Example Road"),
    ("I live at 1420 Maple Avenue, Apt 3B, Springfield.", "address", "1420 Maple Avenue, Apt 3B"),
    ("Our office: 350 Fifth Avenue, New York, NY 10118", "address", "NY 10118"),
    ("Drop it at 10 Downing St, London SW1A 2AA please.", "address", "SW1A 2AA"),
]

#: Numbers and names that are not personal data.
NEGATIVES = [
    "ゼッケン12345で走りました。",
    "My bib was 12345 and my chip time 3:45:12.",
    "finished in 3:45:12, a PB by four minutes",
    "4時間2分30秒でゴールしました。",
    "2024年3月10日、第20回大会に出場しました。",
    "On 2024/03/10 I ran my first marathon; on 2023-11-05 my first half.",
    "35km地点で妻が待っていてくれた。",
    "At km 30 I hit the wall, pace dropped from 5:30/km to 7:10/km.",
    "The 2025 race had 35,000 runners and 10,000 volunteers.",
    "渋谷区を走り抜け、新宿で折り返した。",
    "I ran through Shinjuku and Shibuya, then along Meiji-dori.",
    "Thank you Yuki, Ken and Sarah for pacing me.",
    "My entry number was 1234567890, printed on the envelope.",
    "The last 5 km along the river road were the hardest.",
    "We ran 42 km down Main Street and back.",
    "銀座4丁目の交差点で応援してくれた人たちに感謝。",
    "I refreshed the official site at www.marathon.example.com fifty times.",
    "Crossing the finish line: 3:59:58 on the clock!",
    "Meet at the LINE crossing? No, the finish line at 11:30.",
    "We met at the expo and again at km 21.",
    "区間3-5kmが一番きつかった。",
    "スタートから2-3kmは渋滞していた。",
    "10-15人のグループで走りました。",
    "Split times: 1:52:10 / 1:53:48 — a negative split at last.",
    "Tokyo Marathon 2024 was my 15th marathon and the 3rd World Major.",
    "Gate 3, Block B, wave 2: 08:45 start.",
    "電話で母に完走を報告しました。",
    "I called my mum at km 40 to say I'd make it.",
    "The total was 3 hours 45 minutes and 12 seconds.",
    "年間2000km走りました。",
]


def _findings(text: str):
    document = Document(ref=1, language="ja", fields={"text": text})
    return list(CHECK.check(document, Session(persistent=False)))


@pytest.mark.parametrize(("text", "kind", "evidence"), POSITIVES)
def test_positives_are_found_with_their_span(text, kind, evidence):
    findings = _findings(text)
    by_reason = {f.reason: f for f in findings}
    assert REASONS[kind] in by_reason, [f.reason for f in findings]
    finding = by_reason[REASONS[kind]]
    assert finding.code == "pii" and finding.severity == Severity.MEDIUM
    shown = [text[s.start : s.end] for s in finding.spans]
    assert any(evidence in piece for piece in shown), shown


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_are_not_flagged(text):
    assert _findings(text) == [], [
        [text[s.start : s.end] for s in f.spans] for f in _findings(text)
    ]


def test_labelled_list_scores():
    found = sum(bool(_findings(text)) for text, _, _ in POSITIVES)
    false = sum(bool(_findings(text)) for text in NEGATIVES)
    assert found / len(POSITIVES) >= 0.9
    assert false == 0


def test_hidden_characters_inside_a_number_are_covered_by_the_span():
    text = "電話: 0\u202e90-12\u200b34-5678 まで"
    (finding,) = _findings(text)
    (span,) = finding.spans
    assert text[span.start : span.end] == "0\u202e90-12\u200b34-5678"


def test_every_field_is_read_and_spans_name_their_field():
    document = Document(
        ref=1,
        language="en",
        fields={"title": "Thanks!", "episode": "Call me: 090-1111-2222", "wishes": ""},
    )
    (finding,) = CHECK.check(document, Session(persistent=False))
    assert [s.field for s in finding.spans] == ["episode"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "🏃‍♀️🎉" * 100,
        "<script>location='mailto:a@example.com'</script>",
        "\u202e\u200b\ufeff",
        "1" * 100_000,
        "090-1234-5678 " * 5000,
        "مرحبا 안녕하세요 Привет 你好 ０１２３４５６７８９",
    ],
)
def test_bad_input_never_crashes(text):
    for finding in _findings(text):
        for span in finding.spans:
            assert 0 <= span.start < span.end <= len(text)


def test_html_payload_keeps_spans_in_the_raw_text():
    text = "<a href='mailto:x@example.com'>x@example.com</a>"
    (finding,) = _findings(text)
    assert {text[s.start : s.end] for s in finding.spans} == {"x@example.com"}
