"""The advert check: promotion is flagged with its evidence, stories that name brands are not."""

from __future__ import annotations

import pytest

from tasuki.review.checks.advert import AdvertCheck
from tasuki.review.checks.base import Document, Session, Severity

# The word lists and rules, which must never flag these hard negatives; the
# classifier behind them is probabilistic and measured in test_classifier.py.
pytestmark = pytest.mark.usefixtures("rules_only")


# Promotion, in both languages, written for these tests: hidden at the end of a
# story, shops and clinics, coaching, codes, affiliate links, money-making
# pitches and MLM, funnels to LINE or a profile link, the resale of entries.
ADVERTS = [
    (
        "en",
        "Loved the race! If you want shoes like mine, head to my store at "
        "stridehub.example and enter RUNFAST for 15% off.",
    ),
    ("en", "Anyone who couldn't get a place: I have a spare bib for sale, £200, message me."),
    (
        "en",
        "Tired legs after 42 km? Our massage studio near the finish offers a free first "
        "session to every finisher. Book through the link in our profile.",
    ),
    (
        "en",
        "I turned my love of running into a business: personalised training plans from "
        "$29 a month. Sign up at runplan.example.com today!",
    ),
    (
        "en",
        "The race changed my life, and so did this opportunity. I now earn passive income "
        "working two hours a day. Comment YES and I'll send you the details.",
    ),
    (
        "en",
        "Looking to buy a bib for this year's race, will pay well above the entry fee. "
        "Contact me on WhatsApp.",
    ),
    (
        "en",
        "Great race as always. Follow my running page on Instagram @fastfeet_coach for "
        "daily tips and exclusive discounts!",
    ),
    (
        "en",
        "Bitcoin is like a marathon: you have to hold on. Join our investment club and "
        "double your money in 30 days. Link in bio.",
    ),
    (
        "en",
        "My family cheered for me at km 30 and I cried. Also, we just opened a cafe near "
        "the start line: show your medal for a free coffee all week!",
    ),
    ("en", "Selling two charity places for the marathon, serious enquiries only, DM me."),
    (
        "en",
        "Get 20% off your next pair of racing shoes at RunWorld with my referral link: "
        "runworld.example/ref/kate",
    ),
    (
        "en",
        "Need a massage after the race? I'm a licensed therapist offering home visits "
        "across Tokyo. Rates and booking on my website.",
    ),
    (
        "ja",
        "完走おめでとうございます！疲れた体には当店の酸素カプセルがおすすめ。"
        "完走証を見せていただくと20%割引です。",
    ),
    ("ja", "出走権を定価でお譲りします。当日の受付も代わりに行けます。詳細はメッセージで。"),
    (
        "ja",
        "走ることで人生が変わりました。今は好きな時間に働いて月50万円。"
        "やり方を知りたい方はLINEで「マラソン」と送ってください。",
    ),
    ("ja", "ランナー向けの栄養サプリを販売しています。公式サイトから購入すると今なら送料無料！"),
    ("ja", "ゼッケン買います。高値で買い取ります。連絡はDMまで。"),
    (
        "ja",
        "沿道の応援、本当にありがとうございました。ところで、ランニングフォーム改善の"
        "オンライン講座を開講しました。プロフのリンクから無料体験できます。",
    ),
    ("ja", "マラソン仲間と一緒に始めた投資で資産が倍に。興味がある方はインスタをフォローしてね！"),
    (
        "ja",
        "新宿の鍼灸院です。マラソン後の疲労回復コース、初回3000円引き。"
        "ホットペッパーから予約できます。",
    ),
    ("ja", "完走者限定！ランニングシューズ下取りキャンペーン実施中。詳しくは店頭で。"),
    ("ja", "ブログに完走記を書きました！アクセスしてね→ https://hashiru-blog.example.com"),
    (
        "ja",
        "初めてのフルマラソンは苦しかったけど最高でした。追伸：ｌｉｎｅ追加で"
        "ランナー限定クーポン配布中です♪",
    ),
    ("ja", "副業で月収プラス10万円！ランナー仲間を募集中です。"),
    (
        "en",
        "Finished in 3:59! Huge thanks to my sponsor FlexFuel: their gels got me "
        "through. Grab a starter pack at flexfuel.example, code FLEX15 saves you 15%.",
    ),
    (
        "en",
        "Can't use my bib this year due to injury. Will hand it over for the entry price "
        "plus postage. PM me.",
    ),
    (
        "en",
        "Custom medal frames and bib displays, handmade by me. Orders open now on Etsy, "
        "search RunFrameStudio.",
    ),
    (
        "en",
        "Running with my dog every morning got me ready for this. Speaking of dogs, my "
        "grooming salon in Meguro is offering 20% off for marathoners this month!",
    ),
    (
        "ja",
        "マラソンと同じで投資も継続が大事。私が実践している方法を無料で教えます。興味ある人はDMで「資産」と送ってね。",
    ),
    (
        "ja",
        "大会前日の宿泊なら当ゲストハウスへ。スタート地点まで徒歩5分、ランナー限定プランは1泊8000円です。",
    ),
    (
        "ja",
        "沿道で応援してくれた方々に感謝。ところで、私の書いた完走記が電子書籍になりました。Kindleで今週だけ500円です。",
    ),
    (
        "ja",
        "完走メダルを飾る額縁を手作りしています。メルカリで「ランフレーム」と検索してください。",
    ),
    (
        "en",
        "Marathon done! Anyone in Tokyo need a reliable moving compan"
        "y? My brother's firm does great work, reasonable prices, cal"
        "l 0120-000-000.",
    ),
    (
        "en",
        "Our charity gala is on 3 May, tickets 10,000 yen including d"
        "inner. Buy yours at the link below.",
    ),
    (
        "en",
        "Finished strong thanks to RunRight insoles. Honestly the bes"
        "t 40 dollars I've spent. Get yours at runright.example!",
    ),
    (
        "en",
        "Trade your unused race entry with other runners on BibSwap, "
        "the safe marketplace for bibs. Download free today.",
    ),
    (
        "en",
        "I coach beginners to their first marathon. 12 weeks, 3 sessi"
        "ons a week, results guaranteed. Email me for prices.",
    ),
    (
        "ja",
        "完走しました！ところで知人の引っ越し業者がとても良心的です。見積もり無料なので、ぜひ一度お問い合わせください。",
    ),
    (
        "ja",
        "5月3日にチャリティーパーティーを開催します。ディナー付きで1万円。チケットは下のリンクからお買い求めください。",
    ),
    (
        "ja",
        "ランライトのインソールのおかげで最後まで走れました。4000円でこの効果は最強。公式ショップで買えます！",
    ),
    (
        "ja",
        "使わなくなったゼッケンをランナー同士で交換できるアプリ「ゼッケンスワップ」。今日から無料でダウンロードできます。",
    ),
    (
        "ja",
        "初マラソンを目指す方のコーチングをしています。12週間・週3回、結果を保証します。料金はメールでお問い合わせください。",
    ),
]

# Genuine stories that name brands, hotels, sponsors, shops, the official
# site, LINE messages, discounts in passing, or ask someone to get in touch.
NOT_ADVERTS = [
    ("en", "Thanks to the sponsor's water stations every 5 km, I never felt thirsty."),
    ("en", "I ran in my Nike Pegasus and stayed at the Hilton Tokyo Bay. Best weekend ever."),
    ("en", "I refreshed https://www.marathon.example/ all night until the ballot results came."),
    ("en", "The expo had great deals on shoes, but I resisted buying anything until after."),
    (
        "en",
        "My friend gave me her bib when she got injured; the organisers let us transfer "
        "it officially.",
    ),
    ("en", "If you see this, Kenji, message me! We lost each other at the finish."),
    (
        "en",
        "I work at a running shop in Osaka, and three of my customers ran too. We cheered "
        "for each other at km 25.",
    ),
    ("en", "Next year I'll sign up again, and I hope my daughter joins me."),
    ("en", "Our running club had 12 finishers this year. We celebrated with pizza."),
    (
        "en",
        "Got a 10% discount on the hotel because I booked early, so I spent it on a "
        "massage after the race.",
    ),
    ("en", "I run a small bakery on the course and we hand out free buns at km 21 every year."),
    ("en", "Sent my family a LINE message at every 5 km so they could follow me."),
    ("en", "Ate a Pocari-flavoured ice lolly from the convenience store at km 39. Heaven."),
    ("en", "My coach sells nothing but hope, and that was exactly what I needed at km 35."),
    ("en", "I follow the race's Instagram all year; the photos keep me training."),
    ("ja", "スポンサーのポカリスエットが給水所で配られていて助かりました。"),
    ("ja", "アシックスのシューズで走り、前日はヒルトンに泊まりました。"),
    ("ja", "ゴール後、仲間と居酒屋で乾杯。お店の方が完走者に一杯サービスしてくれました。"),
    ("ja", "ゼッケンを受け取りに行った日、EXPO会場でシューズを買いました。"),
    ("ja", "抽選結果は公式サイト https://www.marathon.example/ で確認しました。"),
    ("ja", "友達に出走権を譲ってもらえなかったので、来年は自分で抽選に当たりたいです。"),
    ("ja", "落とし物をした方は、大会本部までご連絡ください。"),
    ("ja", "整骨院の先生に「無理しないで」と言われながらも完走できました。"),
    ("ja", "家族のLINEグループに5kmごとに写真を送りながら走りました。"),
    ("ja", "沿道で毎年みかんを配っている八百屋です。商売抜きで、ランナーの笑顔が見たいんです。"),
    ("ja", "完走メダルを見せると割引になるお店があったので、家族でラーメンを食べに行きました。"),
    ("ja", "5kmごとにSNSで実況してくれた友人のおかげで、職場の皆も応援してくれました。"),
    (
        "en",
        "Entry fee was 16,500 yen and worth every single one. Where else do a million "
        "people cheer for you?",
    ),
    (
        "en",
        "I lost my wallet with 20,000 yen in it at the start area. A volunteer found it "
        "and it was waiting for me at the finish. Please contact the info desk if you "
        "want to thank her too!",
    ),
    (
        "en",
        "Follow your dreams, sign up for the ballot, and you might end up crying at the "
        "finish like me.",
    ),
    (
        "en",
        "The official app (download it!) tracked my husband so well that I caught him at "
        "three spots.",
    ),
    (
        "en",
        "After the race, the onsen near my hotel gave finishers half price entry. "
        "Soaking my legs there was heaven.",
    ),
    (
        "en",
        "My running club's Instagram is @kotoharriers if anyone from the pace group "
        "wants to say hi. We met at km 20 and finished together!",
    ),
    (
        "ja",
        "スタート地点で2万円入りの財布を落としましたが、ボランティアの方が拾ってゴールで渡してくれました。本当にありがとうございました。",
    ),
    ("ja", "大会公式アプリをダウンロードしておいたおかげで、家族が3か所で応援してくれました。"),
    ("ja", "ゴール後、近くの銭湯が完走者は半額になっていて、疲れた足を癒やせました。"),
    (
        "ja",
        "ランニングクラブのインスタ（@koto_run）で当日の写真を公開しています。25kmで一緒に走った皆さん、ありがとう！",
    ),
    ("ja", "来年の抽選にもぜひ申し込んでください！あのゴールの景色は一度見る価値があります。"),
    ("ja", "沿道の和菓子屋さんが毎年どら焼きを配ってくれます。今年もいただきました。"),
]


def _check(text: str, language: str = "en", **kwargs):
    document = Document(ref=1, language=language, fields={"text": text}, **kwargs)
    return list(AdvertCheck().check(document, Session(persistent=False)))


@pytest.mark.parametrize(("language", "text"), ADVERTS)
def test_adverts_are_flagged_with_their_sentences(language, text):
    findings = _check(text, language)
    assert [f.code for f in findings] == ["advert"], text
    finding = findings[0]
    assert finding.spans and all(0 <= s.start < s.end <= len(text) for s in finding.spans)
    assert finding.params["evidence"]
    assert "%(evidence)s" in finding.reason


@pytest.mark.parametrize(("language", "text"), NOT_ADVERTS)
def test_stories_that_name_brands_and_shops_are_not_adverts(language, text):
    assert _check(text, language) == [], text


def test_promotion_hidden_at_the_end_of_a_story_is_highlighted_alone():
    story = (
        "I hit the wall at 32 km and the crowd carried me home. Huge thanks to everyone. "
        "P.S. I sell the gel I used, use code RUNNER10 for 10% off at gelshop.example!"
    )
    [finding] = _check(story)
    assert finding.severity == Severity.HIGH
    highlighted = " ".join(story[s.start : s.end] for s in finding.spans)
    assert "use code" in highlighted
    assert "hit the wall" not in highlighted


def test_resale_of_an_entry_says_so():
    [finding] = _check("ゼッケン売ります！1枚3万円、DMください。", "ja")
    assert "sale" in finding.reason
    assert "売ります" in finding.params["evidence"]


def test_official_host_is_not_evidence_but_other_hosts_are():
    text = "Sign up for next year at https://www.marathon.example/entry and join us!"
    assert _check(text, official_hosts=("marathon.example",)) == []
    assert _check(text)[0].code == "advert"


def test_hidden_characters_do_not_hide_a_funnel_and_spans_index_the_original():
    text = (
        "最高の一日でした。詳しくは\u200bＬ\u200bＩＮＥ追\u202e加\u202cで！プロフのリンクからどうぞ"
    )
    [finding] = _check(text, "ja")
    assert any("Ｌ" in text[s.start : s.end] for s in finding.spans)


def test_all_fields_are_read_and_spans_name_the_field():
    document = Document(
        ref=1,
        language="en",
        fields={
            "title": "My first marathon",
            "episode": "Great day.",
            "wishes": "Use code FAST20 at speedy.example for 20% off!",
        },
    )
    [finding] = AdvertCheck().check(document, Session(persistent=False))
    assert {s.field for s in finding.spans} == {"wishes"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "🏃‍♂️🎉🔥" * 50,
        "<script>alert('DM me')</script><b>50% off</b>",
        "\u202e\u200b\u2066",
        "a" * 100_000,
        ("DM me for 20% off. " * 6000),
    ],
)
def test_bad_input_never_crashes(text):
    findings = _check(text)
    for finding in findings:
        assert all(0 <= s.start <= s.end <= len(text) for s in finding.spans)


# advert-2: the classes found missing on unseen stories, phrased anew: a
# business presenting itself with an offer, a price or a way to book, and pleas
# to subscribe on any platform.
MORE_ADVERTS = [
    (
        "en",
        "Our physio team knows marathon knees. Every finisher gets a free 20-minute "
        "assessment this week, book online through our website.",
    ),
    (
        "en",
        "Sore after Sunday? The sauna bar two streets from the finish gives runners half "
        "price entry; just show your medal at the door.",
    ),
    (
        "en",
        "Studio flats for rent near the start line, perfect for training blocks. No key "
        "money and no deposit, message us today.",
    ),
    ("en", "My race vlog is finally up! Hit the bell and subscribe to my channel for more."),
    ("en", "Crossed the line in 4:12. Please follow my page on TikTok, I post every day!"),
    (
        "en",
        "We offer gait analysis for every level of runner. Leave us a review and get 10% "
        "off your next pair.",
    ),
    (
        "ja",
        "足つぼ専門のサロンです。完走者限定で60分2,980円、ご予約はLINEからどうぞ。",
    ),
    (
        "ja",
        "当店ではランナー向けのプロテインを販売中です。ゼッケンを提示すると半額になります。",
    ),
    (
        "ja",
        "レースの様子を動画にまとめました！チャンネル登録と高評価よろしくお願いします。",
    ),
    (
        "ja",
        "皇居ランの拠点に便利な整骨院です。初回お試し1,500円、お問い合わせは電話で。",
    ),
    ("ja", "完走しました！インスタもやってるのでフォローお願いします。"),
    ("en", "Follow my Instagram for daily running tips!"),
    ("en", "Don't forget to subscribe to my YouTube, I post race vlogs every Friday."),
    (
        "en",
        "Recovery massage for runners at our studio in Shibuya: 60 minutes for ¥5,000, "
        "reservations on our website.",
    ),
    ("ja", "当店では完走メダルをお持ちの方にビール一杯無料！"),
    (
        "ja",
        "弊社はランナー専用のシェアハウスを運営しています。仲介手数料無料、詳しくはサイトから。",
    ),
]

# Race stories that name businesses, prices, the official site and help received.
MORE_NOT_ADVERTS = [
    (
        "en",
        "My channel is tiny, but I filmed the whole race for my mum who couldn't come. She "
        "watched it twice.",
    ),
    (
        "en",
        "I subscribe to the race newsletter and read every edition; this year I finally ran it.",
    ),
    ("ja", "当院の院長として毎年救護ボランティアをしていますが、今年は初めて自分で走りました。"),
    (
        "en",
        "I run a small bakery and closed it for the day so my staff could cheer at km 20.",
    ),
    (
        "en",
        "We booked our hotel through the official site months ahead; the view of the "
        "finish from our room was amazing.",
    ),
    ("ja", "ゴール後、近くの銭湯が完走者は無料でした。湯船で隣のランナーと健闘を称え合いました。"),
    (
        "en",
        "The entry fee was $180 and worth every cent. At km 38 a physio at the aid tent "
        "taped my calf and I finished.",
    ),
    (
        "en",
        "After the race we went to a little café near the finish; the owner gave every "
        "runner a free coffee and clapped as we came in.",
    ),
    (
        "en",
        "I checked the course map on https://www.marathon.example/ every night for a month "
        "before race day.",
    ),
    (
        "en",
        "I don't subscribe to the idea that you have to be fast to belong. I ran 6:40 and "
        "the crowd cheered me like a winner.",
    ),
    (
        "en",
        "Our hotel was full of runners; at breakfast we swapped stories about our first "
        "marathons. It rained the whole morning of the race.",
    ),
    (
        "en",
        "A massage studio near my flat kept me running through the training block. On the "
        "day my legs held until the last kilometre.",
    ),
    (
        "ja",
        "参加費は1万6千円でしたが、沿道の応援を思えば安いものです。ゴール後に近くの"
        "カフェで飲んだコーヒーが最高でした。",
    ),
    (
        "ja",
        "30km地点で足がつり、救護所の理学療法士さんがテーピングしてくれました。"
        "おかげで完走できました。",
    ),
    (
        "ja",
        "大会公式サイト https://www.marathon.example/ でコースを何度も確認しました。"
        "当日は雨でしたが最後まで走り切りました。",
    ),
    (
        "ja",
        "スポンサーのスポーツドリンクが給水所で配られていて、浅草あたりで一気に飲みました。",
    ),
]


@pytest.mark.parametrize(("language", "text"), MORE_ADVERTS)
def test_businesses_offers_and_subscribe_pleas_are_flagged(language, text):
    findings = _check(text, language)
    assert [f.code for f in findings] == ["advert"], text


@pytest.mark.parametrize(("language", "text"), MORE_NOT_ADVERTS)
def test_race_stories_with_shops_prices_and_helpers_are_not_adverts(language, text):
    assert _check(text, language) == [], text
