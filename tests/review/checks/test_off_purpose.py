"""The off_purpose check: other topics, questions, mash and tests; race stories pass."""

from __future__ import annotations

import pytest

from tasuki.review.checks.base import Document, Session, Severity
from tasuki.review.checks.off_purpose import OffPurposeCheck

# The word lists and rules, which must never flag these hard negatives; the
# classifier behind them is probabilistic and measured in test_classifier.py.
pytestmark = pytest.mark.usefixtures("rules_only")


# Not stories of connection through the race, written for these tests.
OFF_PURPOSE = [
    (
        "en",
        "Slow cooker chili: brown 500 g of beef, add two cans of beans, a chopped onion "
        "and a tablespoon of cumin, then cook on low for 8 hours.",
    ),
    (
        "en",
        "Can anyone recommend a good beginner plan? I want to do my first half in spring. "
        "How many days a week should I train?",
    ),
    (
        "en",
        "The new phone has a great camera and the battery life is excellent. Five stars, "
        "would recommend.",
    ),
    (
        "en",
        "The city council wasted millions on a new stadium. The mayor must resign before "
        "the next election.",
    ),
    (
        "en",
        "Best concert of my life! The band played for three hours and the crowd sang "
        "every word of the encore.",
    ),
    (
        "en",
        "Watched the World Cup final last night. What a goal in extra time, the striker "
        "is a genius.",
    ),
    ("en", "lkjhlkjh lkjh dfgdfg"),
    ("en", "zzzzzzzzzzz"),
    ("en", "Testing 123"),
    ("en", "Just checking if the form works, please ignore."),
    ("en", "qwertyuiop"),
    ("en", "🎌🎌🎌 ✨✨ 💯"),
    ("en", "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."),
    (
        "en",
        "We spent the weekend at a hot spring in Hakone. The outdoor bath looked over red "
        "maple leaves and dinner was a twelve-course kaiseki meal. Truly relaxing, would "
        "go again in autumn.",
    ),
    (
        "ja",
        "肉じゃがの作り方：じゃがいも3個、玉ねぎ1個、牛肉200g。鍋で炒めてから水と調味料を"
        "加え、弱火で20分煮込みます。",
    ),
    ("ja", "この前買った電子レンジ、温めムラがなくて最高。コスパも良くて星5つです。"),
    ("ja", "推しのライブに行ってきました！アンコールで泣いた。チケット取れて本当によかった。"),
    ("ja", "首相の発言は許せない。国民の生活をなめている。次の選挙で政権交代を。"),
    ("ja", "ｊｋｌｊｋｌｊｋｌ"),
    ("ja", "あああああああ"),
    ("ja", "テスト投稿です"),
    (
        "ja",
        "初めてのフルマラソン、どんなシューズを選べばいいですか？おすすめがあれば教えてください。",
    ),
    ("ja", "ダイエットのために何を食べればいいでしょうか？"),
    (
        "ja",
        "週末は箱根の温泉に行きました。露天風呂から見る紅葉がきれいで、夕食の懐石料理も"
        "絶品でした。また秋に行きたいです。",
    ),
    ("ja", "昨日のサッカー日本代表の試合、後半ロスタイムの逆転ゴールに鳥肌が立ちました。"),
    ("ja", "ふじこlp"),
    ("ja", "・・・。。。！！！"),
    (
        "en",
        "Mix 200 g of flour with a pinch of salt, add warm water slow"
        "ly and knead for ten minutes. Let the dough rest for an hour"
        " before rolling it out.",
    ),
    ("en", "The home team lost 3-1 again. The coach has to go, the defence is a joke this season."),
    (
        "en",
        "Bought this backpack for my commute. Plenty of pockets, the "
        "zips feel cheap though. Would buy again at half the price. 3"
        ".5/5",
    ),
    (
        "en",
        "Should I run every day or rest between runs? I'm training fo"
        "r my first half and my calves are sore.",
    ),
    ("en", "aaaaaa bbbbbb"),
    (
        "ja",
        "小麦粉200gに塩をひとつまみ加え、ぬるま湯を少しずつ入れて10分こねます。生地を1時間寝かせてから伸ばしてください。",
    ),
    ("ja", "またホームで1対3の負け。監督は交代すべき。今季の守備はひどすぎる。"),
    (
        "ja",
        "通勤用に買ったリュック、ポケットが多くて便利。ただファスナーが安っぽいのが残念。星3.5。",
    ),
    (
        "ja",
        "毎日走るのと休みを入れるの、どちらがいいですか？初ハーフに向けて練習中で、ふくらはぎが張っています。",
    ),
    ("ja", "てすとです。よろしく"),
    ("ja", "来週の土曜日は学校の文化祭です！演劇部の劇と吹奏楽部のコンサートを見に来てね。"),
    ("en", "ok"),
    ("ja", "あ"),
]

# Race stories, some short, some mentioning food, politics, other sports,
# products or training in passing; and runners' idioms.
ON_PURPOSE = [
    ("en", "Post-race ramen with my club, medals still on. Nothing ever tasted that good."),
    (
        "en",
        "The course passed a wall of election posters, so twenty politicians watched me "
        "suffer for two kilometres. The crowd behind them was the real support.",
    ),
    ("en", "My coach's tip for hills, shorten your stride, got me up the last climb."),
    ("en", "Finished. Thank you, everyone."),
    ("en", "It's the one day the whole city runs with you."),
    (
        "en",
        "I carbo-loaded on my mum's pasta the night before: two cups of flour, three eggs "
        "and a lot of love. At km 30 I could still taste it, and I finished in 4:05.",
    ),
    (
        "en",
        "I used to play baseball in high school, and I never thought I'd run 42 km. My old "
        "teammates were cheering at the finish.",
    ),
    (
        "en",
        "Ran in my new Nike Vaporflys, no blisters, PB of 3:41. Five stars for the "
        "volunteers at the water stations!",
    ),
    ("en", "How do I describe that feeling at the finish? I can't. I just cried."),
    ("en", "3 March 2024: the coldest and warmest day of my life."),
    ("en", "Damn tired, damn proud."),
    ("en", "#MyRace is a promise I keep to my dad."),
    ("en", 'The killer hill at km 35 nearly finished me, but a stranger said "together".'),
    (
        "en",
        "My wish for the 20th race: keep the drums and the crowds, and please add more "
        "toilets at the start! Is that too much to ask?",
    ),
    ("en", "Test of a lifetime: 42.195 km in the freezing rain, and I loved every step."),
    ("ja", "ゴール後に仲間と食べたもんじゃ焼きが最高でした。"),
    ("ja", "沿道に選挙ポスターがずらりと並んでいて、候補者の顔に見守られながら走りました（笑）。"),
    ("ja", "完走できました。ありがとう。"),
    ("ja", "死ぬほど疲れたけど、死ぬほど楽しかった。"),
    ("ja", "最後の殺人的な坂で足が死んだ。でもゴールの景色は一生忘れません。"),
    ("ja", "前日の夜は母の作ったカレーを大盛りで食べて、当日は35kmまで元気でした。"),
    (
        "ja",
        "高校時代は野球部でした。まさか自分がフルマラソンを走るとは。応援に来てくれた"
        "元チームメイトに感謝です。",
    ),
    ("ja", "20回目の大会では、給水所をもう少し増やしてもらえませんか？それが私の願いです。"),
    ("ja", "#私のマラソンは、人生のご褒美。"),
    ("ja", "魅力は、ランナーと街がひとつになる一日。"),
    ("ja", "2024年3月3日、人生で一番寒くて、一番熱い日でした。"),
    ("ja", "沿道の「ファイト！」が本当に力になりました。Thank you, Tokyo!"),
    ("ja", "テストの前日だったけど、娘の応援に行きました。走る姿に涙が出ました。"),
    ("ja", "あああああ、終わった！完走した！"),
    (
        "en",
        "The city smelled of rain and roasted chestnuts that morning."
        " I still remember every street corner, every face, every sho"
        "ut of my name.",
    ),
    ("en", "My wish for the 20th edition: keep it kind, keep it loud, keep it open to everyone."),
    ("en", "Tokyo showed me its best face. Strangers handed me sweets and called me by name."),
    (
        "en",
        "We set up a table outside our apartment with oranges, tissue"
        "s and a speaker playing rock music. By noon our neighbours h"
        "ad joined us and we'd made a party of it. I have lived there"
        " ten years and never talked to most of them before that day.",
    ),
    (
        "ja",
        "知らない人がお菓子をくれて、名前を呼んでくれました。東京の一番いい顔を見た気がします。",
    ),
    (
        "ja",
        "マンションの前にテーブルを出して、みかんとティッシュを並べ、音楽を流しました。お昼にはご近所さんが集まってきて、ちょっと"
        "したお祭りに。十年住んでいて、初めて話した人ばかりでした。",
    ),
    (
        "ja",
        "開会式で手話通訳を担当しました。ろう者の選手が自分の言語でアナウンスを受け取る姿が、今年いちばんの思い出です。",
    ),
    ("ja", "人生最高の一日。"),
    ("en", "Best. Day. Ever."),
    ("ja", "感謝しかない。"),
    ("en", "Sub 5, finally!"),
    ("ja", "ありがとう東京"),
    (
        "en",
        "Why did I sign up? Because my late wife always wanted to see me do it. I did it for her.",
    ),
    ("ja", "なぜ申し込んだのか？亡き妻がずっと見たがっていたからです。彼女のために走りました。"),
    (
        "en",
        "At the finish, I ate the best curry of my life from a food t"
        "ruck: rice, three kinds of beef, and a fried egg on top. Sev"
        "en dollars well spent after 42 km.",
    ),
    (
        "ja",
        "ゴール後に屋台で食べたカレーが人生一番でした。ご飯に牛すじ、目玉焼きのせ。42kmのあとのご褒美です。",
    ),
    (
        "en",
        "I'm a baseball coach, and my whole team of twelve-year-olds "
        "came to cheer. They made a banner that said 'Coach, home run"
        "!' I cried at km 38.",
    ),
    (
        "ja",
        "少年野球の監督をしています。教え子たちが「監督、ホームラン！」という横断幕を作って38km地点で待っていてくれて、泣きま"
        "した。",
    ),
]


def _check(text: str, language: str = "en"):
    document = Document(ref=1, language=language, fields={"text": text})
    return list(OffPurposeCheck().check(document, Session(persistent=False)))


@pytest.mark.parametrize(("language", "text"), OFF_PURPOSE)
def test_off_purpose_texts_are_flagged(language, text):
    findings = _check(text, language)
    assert [f.code for f in findings] == ["off_purpose"], text
    for finding in findings:
        assert all(0 <= s.start < s.end <= len(text) for s in finding.spans)


@pytest.mark.parametrize(("language", "text"), ON_PURPOSE)
def test_race_stories_are_not_flagged(language, text):
    assert _check(text, language) == [], text


def test_mash_and_tests_are_high_and_cover_the_whole_text():
    for text in ("asdfghjkl", "テスト"):
        [finding] = _check(text, "ja")
        assert finding.severity == Severity.HIGH
        assert [(s.start, s.end) for s in finding.spans] == [(0, len(text))]


def test_topic_spans_point_at_the_sentences():
    text = "今の政権は増税ばかり。次の選挙では野党に投票しましょう。"
    [finding] = _check(text, "ja")
    assert finding.severity == Severity.MEDIUM
    assert "politics" in finding.reason
    assert any("選挙" in text[s.start : s.end] for s in finding.spans)


def test_the_whole_entry_is_judged_and_the_pen_name_is_not():
    fields = {
        "title": "初マラソン",
        "pen_name": "asdf",
        "resonated_story": "",
        "episode": "30kmで足が止まりかけたけど、沿道の声援でゴールできました。",
        "tagline": "テスト",
    }
    document = Document(ref=1, language="ja", fields=fields)
    assert list(OffPurposeCheck().check(document, Session(persistent=False))) == []
    document.fields = {"title": "test", "pen_name": "Ken", "episode": "test test"}
    [finding] = OffPurposeCheck().check(document, Session(persistent=False))
    assert {s.field for s in finding.spans} == {"title", "episode"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "<script>alert('x')</script>",
        "\u202e\u200b\u2066",
        "テ\u200bス\u200bト",
        "a" * 100_000,
        "走った。" * 25_000,
        "🏃" * 5000,
    ],
)
def test_bad_input_never_crashes(text):
    for finding in _check(text):
        assert all(0 <= s.start <= s.end <= len(text) for s in finding.spans)


def test_empty_text_is_not_flagged_and_hidden_characters_do_not_hide_a_test():
    assert _check("") == []
    assert _check("テ\u200bス\u200bト", "ja")[0].code == "off_purpose"


# advert-2: classes missed on unseen stories, phrased anew: calls to a protest,
# petition or campaign; reviews of running gear with a rating or a value
# verdict; small talk with no word of the race; other events.
MORE_OFF_PURPOSE = [
    ("en", "Sign the petition to save the old library! The rally is outside city hall at noon."),
    ("en", "Vote for Tanaka on Sunday. Our campaign office needs help with the flyers."),
    (
        "en",
        "These running shoes feel soft for the first 100 km, then the foam goes flat. "
        "Two stars, not worth the money.",
    ),
    ("en", "Such a grey morning. I hope it clears up before the weekend."),
    ("en", "The fireworks over the river were huge this year, the best display in ages."),
    ("ja", "増税反対の署名にご協力ください。今週末は駅前で抗議のデモ行進があります。"),
    (
        "ja",
        "このランニングシューズ、クッションは柔らかいけどすぐにすり減ります。"
        "値段の割にイマイチで星2つです。",
    ),
    ("ja", "明日は雨みたいですね。傘を忘れないようにしないと。"),
    ("ja", "夏祭りの盆踊り、今年は浴衣で行こうかな。屋台も楽しみです。"),
    ("ja", "GPSウォッチを買いました。コスパ最高、バッテリーも一週間もちます。星5つ。"),
    ("en", "Nice weather for a picnic today."),
    ("en", "It's raining again. Need to buy a new umbrella."),
    ("ja", "洗濯物を干したのに急に雨が降ってきた。"),
    ("ja", "お腹すいた。今日の夕飯は何にしよう。"),
    ("ja", "先週のライブ、最前列で見られて最高でした！"),
    ("en", "Such a grey morning today. I hope it clears up before the weekend, fingers crossed."),
    (
        "en",
        "This GPS watch tracks heart rate well, but the app is clunky. Overall 3/5, okay "
        "for the price.",
    ),
    (
        "en",
        "Join us at the town hall meeting on Friday to stop the new casino. Bring your neighbours!",
    ),
    (
        "en",
        "Big sale at the mall this weekend, I bought three jackets. Then we had pizza for dinner.",
    ),
    ("ja", "週末は友達と映画を見て、そのあと焼肉を食べに行きました。楽しかった！"),
    ("en", "Today I cleaned the whole house and did three loads of laundry. Tired but happy."),
]

# Short race notes with no other story words: the crowd, the course, a feeling.
MORE_ON_PURPOSE = [
    ("en", "The cheering is my scenery. The drums mean Asakusa, the roar means Ginza."),
    ("en", "Rain all day, and still the spectators stayed. Thank you."),
    ("en", "My first medal. I cried at the finish."),
    ("ja", "沿道の声援が私の景色です。太鼓が鳴れば浅草、歓声が響けば銀座。"),
    ("ja", "雨の中でも沿道の応援が途切れませんでした。ありがとう。"),
    ("ja", "給水所のボランティアさんの笑顔で最後まで走れました。"),
    ("ja", "ゴールで泣きました。人生最高の日。"),
    ("en", "The organisers kept us warm with blankets at the start. Grateful."),
    ("en", "It rained, it hurt, it was perfect."),
    ("en", "The weather was awful but the volunteers were amazing."),
    ("en", "Thank you to everyone who made this day special."),
    ("en", "Fireworks of emotion at the finish line."),
    ("en", "Grandma watched on TV and called me right after."),
    ("ja", "当日は快晴で、汗だくでした。"),
    ("ja", "雨でも最高の一日でした。"),
    ("ja", "寒かったけど、楽しかった。"),
    ("en", "Goosebumps the whole way, from the first step to the last."),
    ("en", "Never again, I say every year. See you next year anyway."),
    ("en", "It's not about the time. It's about the people who waited for me."),
    ("ja", "足は棒のようだけど、心は満タン。また来年、この街で。"),
    ("ja", "ゴール後に家族で晩ごはん。娘が私のメダルをずっと首にかけていました。"),
    (
        "en",
        "After the finish, we had dinner at a ramen shop near the station. The owner saw "
        "my medal and gave me extra noodles.",
    ),
    (
        "en",
        "The night before, I did the laundry so my lucky socks would be dry. It rained "
        "at the start and my umbrella flew away in Shinagawa. Still the best day.",
    ),
    (
        "ja",
        "前日は雨で洗濯物が乾かず、お気に入りのウェアが生乾きでした。それでも当日は晴れて、"
        "沿道の声援に背中を押されました。",
    ),
    (
        "en",
        "Two stars for my pacing, five stars for the crowd. I went out too fast and walked "
        "from km 32, but people kept shouting my name.",
    ),
]


@pytest.mark.parametrize(("language", "text"), MORE_OFF_PURPOSE)
def test_protests_gear_reviews_small_talk_and_other_events_are_flagged(language, text):
    findings = _check(text, language)
    assert [f.code for f in findings] == ["off_purpose"], text


@pytest.mark.parametrize(("language", "text"), MORE_ON_PURPOSE)
def test_short_race_notes_with_the_crowd_and_the_course_pass(language, text):
    assert _check(text, language) == [], text
