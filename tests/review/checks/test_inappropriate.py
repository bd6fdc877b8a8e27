"""The ``inappropriate`` check on a labelled list of its own, and on bad input."""

from __future__ import annotations

import pytest

from tasuki.review.checks.base import Document, Session, Severity
from tasuki.review.checks.inappropriate import REASONS, InappropriateCheck

# The word lists and rules, which must never flag these hard negatives; the
# classifier behind them is probabilistic and measured in test_classifier.py.
pytestmark = pytest.mark.usefixtures("rules_only")


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


#: Abuse in categories and wordings the word lists were not written from: body-shaming,
#: ageism and ableism, group exclusion, disguised slurs, sexual gaze, revenge, kana
#: imperatives, sarcasm at volunteers.
UNSEEN_POSITIVES = [
    "ボランティアってほんと使えない。",
    "お前の家知ってるぞ。",
    "外人多すぎ、気持ち悪い。",
    "ランナーの女の子、かわいい子多すぎてナンパしたかった。",
    "あのおばさん、ほんと死んでほしい。",
    "That marshal was useless.",
    "The pacer was pathetic, couldn't hold 4:00 pace.",
    "Go home, grandpa.",
    "Cheers for nothing, organisers.",
    "ブスなボランティアばっか",
    "デブのランナーが邪魔",
    "ボランティアの子の胸、最高",
    "What a bunch of useless twits at the bag drop.",
    "Hey stupid, yes you in the yellow cap, learn to run in a straight line.",
    "The marshals were total muppets, pointing us the wrong way twice.",
    "What a bunch of useless twits at the bag drop.",
    "Organisers, go die in a ditch.",
    "The crowd in Asakusa was full of drunk losers yelling at women runners.",
    "The lady handing out bananas had a face like a slapped arse.",
    "Walkers at the front of the start are selfish pigs.",
    "That pacer is a joke of a human being.",
    "Volunteers handing out cups like braindead zombies, absolute morons.",
    "Shut your trap, you noisy spectators.",
    "I'd like to strangle the DJ at km 10.",
    "Men who run in crop tops are freaks.",
    "The girl with the big boobs at km 22 made my race.",
    "Hope the organisers all get food poisoning.",
    "ババア邪魔、どけよ。",
    "給水のジジイ、消えろ。",
    "あのランナーまじで市ね",
    "沿道で騒いでたチー牛ども、気持ち悪かった。",
    "ボランティアのガキども、うるさくて走りにくい。",
    "あいつ、ゴールで待ち伏せしてボコボコにしてやる。",
    "フィリピン人は帰れよ。",
    "外国人ランナーなんか来なくていい。邪魔。",
    "女子ランナーの汗で透けたウェア、たまらん。",
    "ﾎﾞﾗﾝﾃｨｱのおねーさん、ｴﾛすぎ",
    "ゴール後にナンパした女の子、体触らせてくれなかった。ケチ。",
    "ペーサーの野郎、マジで殺す。",
    "デブは走るなよ、地面が揺れる。",
    "あいつら人間じゃない。害虫だ。",
    (
        "Great race overall. Only downside: the water station crew at km 15 "
        "were a bunch of lazy idiots who couldn't open a bottle."
    ),
    (
        "Loved the course. The guy in the pink tutu who kept shoving people "
        "deserves a punch in the face."
    ),
    "My wish for the 20th race: ban the slow old folks, they ruin it for everyone.",
    "Ugly fat volunteers shouting at us, what a sight. Never again.",
    "The only good thing at km 30 was the blonde volunteer's butt.",
    "Honestly, immigrants shouldn't get race entries before locals. Kick them out.",
    "That pacer should be fired, useless waste of a bib.",
    "Some dumb bitch stopped dead in front of me for a selfie.",
    "The organisers are a bunch of crooks and liars, rot in jail.",
    "Next time that ref blows a whistle at me I'll knock his teeth out.",
    "Hey stupid, yes you in the yellow cap, learn to run in a straight line.",
    "Half the runners were obese slobs who should have stayed on the couch.",
    "Wheelchair racers shouldn't be allowed near real runners.",
    "Those Asian tour groups were filthy animals, trash everywhere.",
    "The female medic was so sexy I faked a cramp to get her to touch my leg.",
    "大会は最高でした。ただ、給水所の学生ボランティアはマジで無能。水もまともに渡せない。",
    "スタート直後に押してきたおっさん、ゴール後に殴ってやろうかと思った。",
    "20回大会への希望：遅いジジババは出場させないでほしい。",
    "沿道のおばさんたち、うるさいし顔もひどいし最悪。",
    "30キロのエイドの女子大生、脚がエロすぎて集中できなかった。",
    "外国人ランナーばかりで日本の大会じゃないみたい。日本人だけでやれ。",
    "ペースメーカー、あんなやつ二度と走るな。",
    "ゴール付近で写真撮ってるバカども、邪魔なんだよ。",
    "救護の看護師さんのおっぱいが気になって仕方なかった。",
    "前のランナーの汗が飛んできた。汚ねえんだよ、死ね。",
    "あの審判、顔覚えたからな。",
    "障害者の伴走者が横に広がって邪魔。障害者は別の大会でやれ。",
    "The volunteer at the sponge station was ugly as sin, could barely look at her.",
    "That fat guy at km 12 stank like a pig and wheezed the whole way.",
    "Old people walking the course are useless and should be banned.",
    "Slow walkers should be disqualified, they clog the road.",
    "Seniors have no place in a marathon, they just get in everyone's way.",
    "Send all the foreigners back where they belong.",
    "Tourists should go home and leave our race alone.",
    "The Koreans at km 20 should go back to their own country.",
    "The guy who cut me off is a total f@g.",
    "What a bunch of queers crying at the finish.",
    "The pacers were pathetic losers who couldn't hold a pace.",
    "Those volunteers are trash, they handed out warm water.",
    "The staff at the bag drop were a pile of garbage.",
    "Loser, you'll never finish a marathon.",
    "The women's race is disgusting, they shouldn't bother.",
    "The volunteer girls had great legs, I kept staring at them.",
    "Those cheerleaders in tight shorts were hot, best part of the race.",
    "I'd rather watch the girls at the water station than run.",
    "The female marshal had a body to die for, I wanted to touch her.",
    "To the runner in bib 4412: I'll find you, and you'll regret it.",
    "Watch your back next year, guy who tripped me.",
    "You'll regret elbowing me at km 40. I remember your face.",
    "Thanks for nothing, geniuses, the water ran out at km 30.",
    "Great job, morons, the start was an hour late.",
    "The disabled runners are a nuisance and shouldn't be on the course.",
    "Fat people should stay home instead of blocking the road.",
    "The organisers are brain-dead clowns.",
    "Hey volunteers, learn to do your job, you useless lot.",
    "The fat lady at the water station was too lazy to hand cups properly, disgusting.",
    "Why do they let cripples on the course? They slow everyone down.",
    "Grannies walking six abreast, somebody should run them over.",
    "Go back to China, nobody wants your tour groups here.",
    "The marshal was a brainless clown and I told him so.",
    "Pacers this year were a joke, absolute garbage people.",
    "That volunteer in the yoga pants, damn, I'd tap that.",
    "Nice rack on the girl at km 20, made the race worth it.",
    "The dude who cut the line is a dead man if I see him again.",
    "Next year I'm coming for you, bib 2231, you won't see it coming.",
    "You volunteers are all retards, it's not hard to pour water.",
    "Women runners are slow cows clogging the road.",
    "Thanks a lot, idiots, for running out of bananas.",
    "Gay runners in tutus are an embarrassment to the sport.",
    "The Indian guys at the start smelled like curry, gross.",
    "給水所のボランティア、ブスばっかりでやる気が出なかった。",
    "隣を走ってたデブ、汗臭くて最悪。",
    "あのランナー、ブサイクすぎて笑った。",
    "年寄りは邪魔だから走るな。",
    "高齢者ランナーは足手まといなので出場禁止にすべき。",
    "障害者なんか走らせるなよ、迷惑だ。",
    "外人は出て行け。",
    "中国人は国へ帰れ。",
    "韓国人ランナーはみんな帰れ。",
    "ゲイのランナーとか気持ち悪い。",
    "あいつオカマかよ。",
    "沿道の女の子、胸ばっかり見てた。",
    "ボランティアのお姉さんの尻が最高だった。",
    "エロい体のランナーが多くて眼福。",
    "給水所の女子高生に触りたかった。",
    "あのボランティア、スタイル良すぎ。ずっとガン見してた。",
    "次会ったらぶっ飛ばすからな。",
    "肘打ちしてきたやつ、覚悟しとけよ。",
    "わざと転ばせてやろうかと思った。",
    "ペースメーカーの奴、来年見つけたら殴ってやる。",
    "運営は全員しね。",
    "スタッフきえろ。",
    "審判ども、死ねよ。",
    "ボランティアはマジで役に立たない無能集団。",
    "ペーサーってほんと使えないゴミ。",
    "エイドのおばさん、動きが遅すぎて邪魔。引退しろよ。",
    "あのスタッフ、顔がキモすぎて吐きそうだった。",
    "ペーサーのくせに遅い、マジで無能。",
    "ボランティアのJK、脚きれいすぎてずっと見てた。",
    "給水の女の子のおっぱい揺れてて最高。",
    "てめえ、今度俺の前を横切ったらぶん殴るぞ。",
    "横入りしたおっさん、絶対に許さねえからな。",
    "シナ人ランナー多すぎ、うざい。",
    "運営の無能どもはさっさと辞めろ。",
    "ボケ老人は家で寝てろ。",
    "黒人ランナーとか速すぎてずるい、出るな。",
    "あいつ、来年こそ潰してやる。",
    "審判のやつ、マジでゴミ。",
]

#: Clean race stories with pain idioms, complaints about weather, hills and toilets,
#: self-mockery and words that also serve abuse (bodies, legs, hot, go home, 国へ帰る).
UNSEEN_NEGATIVES = [
    "スマホが使えないのは不便だった。",
    "ランナーはトイレが使えない時間があった。",
    "自分の足が使えない、と思った。",
    "寒さで指が使えないかと思った。",
    "沿道がうるさいくらい盛り上がっていた。",
    "外国人が多くて驚いた。",
    "家にいろと言われたけど走った。",
    "胸が最高に高鳴った。",
    "デブの私でも完走できた",
    "胸を張ってゴール",
    "My pacer was a machine.",
    "The guy who paced me was just amazing.",
    (
        "初マラソンでした。スタートから緊張で足がガクガク。10キロで膝が痛み出し、20キロ過ぎには"
        "「もう帰れ」と心の声。でも沿道のおばあちゃんが「あんた、まだまだいけるよ！」と飴をくれて、"
        "涙が出ました。30キロの壁は本当に鬼で、足が死んだと思った。最後はボランティアの学生さんの"
        "ハイタッチに背中を押されてゴール。家に帰ったら泥のように眠りました。"
    ),
    "去年は35キロで救護車に回収されて、悔しくて一年間練習しました。今年は見つけたら絶対お礼を言おうと決めていた救護スタッフさんに会えて、握手してもらいました。",
    "ゴール後、外国人のランナーさんに「国に帰ったら家族に自慢する」と言われて、一緒に写真を撮りました。言葉は通じなくても、走ることでつながれた気がします。",
    "車いすランナーの友人の伴走で参加しました。彼の腕はパンパン、私の足もパンパン。ゴールで二人で泣きました。障害があってもなくても、マラソンはみんなのものです。",
    "スタイル抜群のボランティアの衣装がかわいかったです（デザインした人天才）。",
    (
        "My first marathon. At km 5 I was cocky, at km 25 I was humbled, at km "
        "35 I was begging the universe to let me die quietly. A little girl "
        'held out a sign saying "touch here for power" and I slapped it so '
        "hard I nearly knocked her dad over. Finished in 5:12 and cried like "
        "an idiot."
    ),
    (
        "My husband called me a lunatic for flying to Tokyo for one race. He "
        "was right, and I'd do it again. The volunteers were unbelievably "
        "kind, the crowds were bonkers, and the bananas at km 30 were the best "
        "thing I've ever eaten."
    ),
    (
        "I'm a big woman, and I was scared people would stare. Nobody did. A "
        "man in a pikachu suit ran with me for 3 km telling terrible "
        "jokes."
    ),
    (
        "The guy next to me at the start smelled like tiger balm and told me "
        "it was his 50th marathon. At km 40 he passed me like I was standing "
        "still. Legend."
    ),
    (
        "Going home to Manila with a medal and a stupid grin. Thanks Tokyo, "
        "you beautiful, chaotic city."
    ),
    (
        "I hit the wall at km 32 and wanted to punch the wall, literally. Then "
        "a grandpa handed me an orange slice and told me to get moving. I "
        "did."
    ),
    (
        "Our running club is a bunch of lunatics: twelve of us in matching "
        "pink wigs. The marshals were cracking up."
    ),
    "The marshals were absolute stars, pointing us the right way in the pouring rain.",
    "At km 30 my legs turned to concrete and I swore at every lamppost.",
    "We screamed our lungs out for the last runners at the cut-off, they were warriors.",
    "The course through Asakusa was packed with drunk, happy fans, the best party ever.",
    "I looked like a slapped arse in my finish photo, but who cares.",
    "My pacer was a machine, sub-3:30 on the dot.",
    "The DJ at km 10 played Eye of the Tiger and I nearly cried.",
    "I choked on my gel at km 21, rookie mistake.",
    "My running buddy calls me a freak for doing three marathons a year.",
    "Toilet queues at the start were a disaster, forty minutes in the cold.",
    "The organisers have to sort out the bag drop, it was chaos.",
    "I got food poisoning the night before and still finished.",
    "I'm a big guy, 110 kg, and nobody made me feel out of place.",
    "The heat was murder on the last 10 km.",
    "The girls from my office made a huge banner with my face on it.",
    "Big thanks to the men and women in yellow jackets.",
    "Shoutout to the crazy bastards who ran in full samurai armour.",
    "The crowd was wild, screaming like maniacs at every corner.",
    "ゴールの瞬間、消えてしまいたいほど恥ずかしい転び方をした。",
    "給水のおじいちゃん、いつもありがとう。",
    "死ぬ気で走った42.195キロでした。",
    "30キロで足が終わった。完全に終わった。",
    "外国人ランナーに道を聞かれて、英語で案内しました。",
    "ボランティアの高校生たちが元気いっぱいで癒やされた。",
    "汗で透けたウェアが恥ずかしかったので、来年は黒を着ます。",
    "殺す気かと思うほどの上り坂。",
    "ゴールで待ってた家族に抱きついた。",
    "女子ランナーの友達と写真を撮りました。",
    "体が悲鳴を上げていたけど、心は笑っていた。",
    "地面が揺れるほどの大声援でした。",
    (
        "Great race overall. The water station crew at km 15 were heroes, "
        "opening bottles for us in the cold."
    ),
    "The guy in the pink tutu kept everyone laughing for 10 km.",
    "My wish for the 20th race: keep the late cut-off so slow old folks like me can finish.",
    "I ran with my dad, who is 70 and stubborn as a mule. He beat me.",
    "The sexy part of running? Nothing. It's sweat, blisters and lost toenails.",
    "I'm fat and slow and I finished my first marathon. Take that, couch.",
    "Thank God for the medic at km 30 who taped my knee.",
    "The punch of cold air at the start woke me up.",
    "I knocked seven minutes off my time. Killed it!",
    "At km 32 I hit the wall so hard I saw stars.",
    "The drummers under the bridge were insane, I could feel it in my chest.",
    "The race photos make me look like a drowned rat, but I love them.",
    (
        "Running the race with my disabled brother pushing his wheelchair "
        "beside me was the best day of our lives."
    ),
    "The Asian Games champion ran past us at the start, unreal.",
    "To whoever invented energy gels: I hate you and I love you.",
    "My worst enemy was my own head telling me to quit.",
    "The shorts I wore were so tight I could barely breathe, lesson learned.",
    "Legs like jelly, lungs on fire, heart full.",
    "The old lady at km 35 who gave me a rice ball is my hero.",
    "Foreigners, locals, kids, grandparents: everyone cheered for everyone.",
    "大会は最高でした。給水所の学生ボランティアの皆さん、寒い中ありがとうございました。",
    "スタート直後は混雑していて、押されるほどの密度でした。",
    "20回大会への希望：制限時間を延ばして、遅いランナーも完走できる大会にしてほしい。",
    "沿道のおばさんたちの応援がうるさいくらい元気で最高でした。",
    "外国人ランナーが多くて、国際色豊かな大会でした。",
    "ペースメーカーの方のおかげで自己ベストが出ました。",
    "ゴール付近で写真を撮ってくれたカメラマンさん、ありがとう。",
    "救護の看護師さんにテーピングしてもらい、なんとか完走。",
    "前のランナーの汗が飛んできたけど、それも思い出。",
    "審判の方の顔を覚えていて、翌年お礼を言いに行きました。",
    "障害のある弟の伴走をして、一緒にゴールしました。",
    "ゴールした瞬間、涙で前が見えなかった。死んでもいいと思えるほど幸せだった。",
    "脚がパンパンで、階段を降りるのが地獄でした。",
    "クソ暑い日だったけど、最高の一日でした。",
    "アホみたいに笑いながら走った42キロ。",
    "おっさんランナー同士、励まし合って完走しました。",
    "ババアになっても走り続けたい。",
    "I felt like an idiot when I forgot my gels at the hotel.",
    "The crowd at Shinagawa was insane, absolutely insane.",
    "Sick medal this year, the design is gorgeous.",
    "That killer hill at km 38 nearly finished me off.",
    "My legs were dead by km 30 and I was damn tired.",
    "I wanted to die at km 35, but a kid handed me a candy and I kept going.",
    "The hill was a beast and the wind was brutal.",
    "The weather was shit, cold rain from start to finish, but I loved it.",
    "The toilet queues were ridiculous, twenty minutes at the start.",
    "I was so stupid to go out that fast in the first half.",
    "My husband said I was crazy for signing up again.",
    "We laughed like idiots at the finish line, covered in sweat.",
    "The volunteers were amazing, every single one of them.",
    "The pacers were legends and I owe my PB to them.",
    "Hell of a race. Bloody hard, bloody brilliant.",
    "The last 10 km were hell on earth for my calves.",
    "My old legs are useless on hills, but they got me home.",
    "I looked disgusting after the race, salt all over my face, and I didn't care.",
    "My shorts were too tight and chafed like crazy.",
    "The elderly runners around me were inspiring; one man was 82.",
    "The girl next to me at the start shared her sunscreen.",
    "I'm a slow old walker and proud of it, I finished in 6:48.",
    "My body was wrecked but my heart was full.",
    "Thanks to the volunteers at km 25, you saved my race.",
    "The foreign runners and the locals high-fived all along Ginza.",
    "I hate hills, I hate headwinds, and I love this race.",
    "My watch died at km 20, stupid battery.",
    "I told my knee to shut up and kept running.",
    "Crying like a baby at the finish, no shame.",
    "The course was a killer but the crowds were unreal.",
    "My toenails looked ugly as hell afterwards, two of them went black.",
    "I nearly threw up at km 41 but sprinted anyway.",
    "The bodies of runners around me were steaming in the cold morning.",
    "Going home to Osaka with a medal and a sunburn.",
    "I'll find you at the finish, my brother texted, and he did.",
    "You'll regret not signing up, my friend told me, and she was right.",
    "Honestly the last 5 km were a nightmare and my hamstrings hated me.",
    "I cried like a fool at km 40 when I saw my daughter's sign.",
    "That bridge at km 33 is a monster, whoever designed this course is evil, haha.",
    "My coach says I'm a stubborn old mule, and he's right.",
    "Damn, what a day. Best crowd ever.",
    "The wind off the bay was a bitch, but the sunshine made up for it.",
    "I was dying out there but the drummers kept me alive.",
    "My feet stank after six hours in wet socks, sorry to the bus driver.",
    "This race kicked my ass and I loved every minute.",
    "I was the slowest person in my corral and nobody cared.",
    "The old man who paced me for 10 km was a legend, 76 years young.",
    "We old walkers finished together, hand in hand.",
    "Stupid me forgot to charge my watch.",
    "I hate the last hill with a passion.",
    "The rain was brutal and my legs were garbage by km 30.",
    "My body was screaming but my mind said keep going.",
    "The girls from my running club cheered like crazy at km 30.",
    "Foreign runners from 60 countries lined up at the start, what a sight.",
    "I'm going home to Sydney with the best memories.",
    "Watching the elite women fly past was incredible.",
    "My wife says I'm an idiot for running in costume, but the kids loved it.",
    "A volunteer gave me a banana and I could have kissed her.",
    "At km 38 I wanted to kill whoever put that hill there.",
    "I told the pain to go to hell and kept running.",
    "35キロ地点で死ぬほど疲れたけど、沿道の声援で完走できました。",
    "殺人的な坂が30キロ過ぎに待っていた。",
    "ゴールした瞬間、足が死んだと思った。",
    "地獄の坂を越えたら景色が最高でした。",
    "鬼のような坂だったけど楽しかった。",
    "坂が鬼。本当に鬼。",
    "くそ寒い朝でしたが、ボランティアの方が温かいお茶をくれました。",
    "クソ坂で心が折れたけど、仲間に助けられました。",
    "自分がバカだった。前半で飛ばしすぎた。",
    "トイレの列が長すぎて困ったけど、スタッフさんが案内してくれた。",
    "雨がひどくて最悪のコンディションでした。",
    "ボランティアの女子大生たちの笑顔に元気をもらいました。",
    "沿道のおばあちゃんがくれた飴が最高においしかった。",
    "年配のランナーさんに励まされて、最後まで走れました。",
    "外国人ランナーと一緒にゴールして、国へ帰ったらまた走ると約束した。",
    "足がもう動かない、しねる、と思ったけど走り切った。",
    "転んだランナーを助け起こしてくれたスタッフに感謝。",
    "来年こそサブ4を達成してやる。覚悟はできている。",
    "次会ったら一緒に走ろうね、とランナー仲間と約束しました。",
    "障害者ランナーの伴走をしました。彼の笑顔が忘れられません。",
    "スタイルのいいウェアが多くて、見ていて楽しかった。",
    "胸がいっぱいになったゴールでした。",
    "お尻の筋肉が悲鳴を上げていました。",
    "家に帰れ、と自分の体に言われているようだった。",
    "自分はノロマだけど、最後まで諦めませんでした。",
    "疲れすぎて消えたいと思ったけど、ゴールは最高でした。",
    "痛みよ消えろ、と念じながら走った。",
    "今年こそぶっちぎりで自己ベストを出してやる。",
    "坂道は地獄だったけど、応援は天国でした。",
    "マジで死ぬかと思ったけど、ゴールしたら全部吹き飛んだ。",
    "32キロの壁はクソきつかった。",
    "足がゴミになったけど、心は満たされた。",
    "自分のノロマさに泣けてきた。",
    "ボランティアの皆さん、本当にありがとう。神対応でした。",
    "最後の坂、殺す気かと思った(笑)",
    "ゴール後、家族に国へ帰ったら祝おうと言われた。",
    "エイドのおばちゃんが「死ぬ気で走れ!」と笑顔で送り出してくれた。",
    "おじいちゃんランナーに抜かれて悔しかったけど、かっこよかった。",
    "外国人ランナーの方に道を譲ってもらいました。",
    "来年は絶対にサブスリーを取ってやる。",
    "足の裏がマメだらけで地獄でした。",
    "沿道の子どもたちとハイタッチしまくった。",
    "暑すぎて溶けるかと思った。",
    "次会ったらお礼を言いたい、あの時のランナーさん。",
    "胸を張ってゴールゲートをくぐりました。",
    "転んだけど、起き上がってやると決めた。",
    "ホモ・サピエンスは長距離を走るために進化した、と本で読んだ。",
    "女子ランナーの友達と一緒に完走しました。",
    "年寄りの冷や水と言われても、走り続けます。",
]


@pytest.mark.parametrize("text", UNSEEN_POSITIVES)
def test_unseen_abuse_is_flagged(text):
    assert _findings(text), text


@pytest.mark.parametrize("text", UNSEEN_NEGATIVES)
def test_unseen_clean_stories_are_not_flagged(text):
    assert _findings(text) == [], [(f.reason, f.spans) for f in _findings(text)]


def test_invisible_characters_inside_a_kana_imperative():
    text = "運営のやつら全員し\u200bね。"
    (finding,) = _findings(text)
    assert finding.reason == REASONS["threat"]
    assert [text[s.start : s.end] for s in finding.spans] == ["し\u200bね"]


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
