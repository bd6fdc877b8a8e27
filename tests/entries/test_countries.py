"""The country list: Japanese names in the order of their reading, a campaign's
likely countries first."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from tasuki.entries.countries import CountryField, country_choices, kana_key, reading

HIRAGANA = re.compile(r"^[\u3041-\u3096]+$")


def names(language: str) -> list[str]:
    return [name for code, name in country_choices(language) if code]


def test_every_japanese_name_sorts_by_a_kana_key():
    """No name keeps a kanji in its reading, so none sorts by character code."""
    for name in names("ja"):
        primary, written = kana_key(name)
        assert HIRAGANA.match(primary), (name, reading(name), primary)
        assert written, name


def test_japanese_list_is_in_reading_order():
    ja = names("ja")
    assert ja == sorted(ja, key=lambda n: (kana_key(n), n))
    assert ja[0] == "アイスランド"


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("日本", "西サハラ", "ニューカレドニア"),  # にっぽん, among the に
        ("中国", "中央アフリカ", "チュニジア"),  # ちゅうごく
        ("韓国", "カメルーン", "ガンビア"),  # かんこく
        ("台湾", "タイ", "タジキスタン"),  # たいわん
        ("香港", "ポルトガル", "ホンジュラス"),  # ほんこん
        ("米領サモア", "ブルンジ", "ベトナム"),  # べいりょう, not こめ
    ],
)
def test_kanji_names_sit_where_their_reading_puts_them(name, before, after):
    ja = names("ja")
    at = ja.index(name)
    assert (ja[at - 1], ja[at + 1]) == (before, after)


def test_japan_is_no_longer_between_jamaica_and_jersey():
    ja = names("ja")
    at = ja.index("日本")
    assert {ja[at - 1], ja[at + 1]} != {"ジャマイカ", "ジャージー"}
    assert ja.index("ジャマイカ") < ja.index("日本")  # じ before に


def test_english_list_stays_alphabetical():
    en = names("en")
    assert en.index("Jamaica") + 1 == en.index("Japan")


def test_sort_key_follows_the_dictionary_not_the_code_points():
    # Voicing marks and small kana do not decide the first comparison.
    assert kana_key("ガーナ")[0] == "かあな"
    assert kana_key("パナマ") < kana_key("バハマ")  # はなま before ははま
    # With the same letters, unvoiced comes first, then voiced, then semi-voiced.
    assert kana_key("ハナ") < kana_key("バナ") < kana_key("パナ")
    assert kana_key("ニュージーランド")[0] == "にゆうしいらんと"


def test_likely_countries_lead_as_a_group_of_their_own():
    choices = country_choices("ja", ("JP", "TW", "US"))
    assert choices[0] == ("", "—")
    (first_label, first), (all_label, every) = choices[1], choices[2]
    assert first_label == "よく選ばれる国・地域" and all_label == "すべての国・地域"
    assert [code for code, _ in first] == ["JP", "TW", "US"]
    assert [name for _, name in first] == ["日本", "台湾", "アメリカ合衆国"]
    assert len(every) == len(names("ja")) and ("JP", "日本") in every


def test_field_offers_the_group_and_accepts_its_countries():
    field = CountryField(label="Country")
    field.use_language("ja", first=["JP", "KR"])
    assert field.clean("KR") == "KR"
    assert field.clean("FR") == "FR"
    with pytest.raises(ValidationError):
        field.clean("XX")
    html = field.widget.render("country", "JP")
    assert html.index('<optgroup label="よく選ばれる国・地域">') < html.index(">日本<")
    assert html.count("selected") == 1  # Japan is listed twice, selected once


def test_unknown_likely_countries_are_left_out():
    choices = country_choices("en", ("ZZ", "JP"))
    assert [code for code, _ in choices[1][1]] == ["JP"]


@pytest.mark.django_db
def test_campaign_likely_countries_default_to_japan_and_are_checked():
    from tests.factories import CampaignFactory

    campaign = CampaignFactory()
    assert campaign.likely_countries == ["JP"]
    for bad in (["XX"], ["JP", "JP"], "JP", [1]):
        campaign.likely_countries = bad
        with pytest.raises(ValidationError) as excinfo:
            campaign.full_clean()
        assert "likely_countries" in excinfo.value.message_dict
    campaign.likely_countries = ["JP", "TW"]
    campaign.full_clean()


@pytest.mark.django_db
def test_entry_form_page_offers_the_campaigns_likely_countries_first(client, campaign):
    from django.urls import reverse
    from django.utils import translation

    campaign.likely_countries = ["TW", "JP"]
    campaign.save()
    with translation.override("ja"):
        url = reverse("entries:enter", args=[campaign.slug])
    html = client.get(url).content.decode()
    select = html[html.index('name="country"') :]
    group = select[select.index("<optgroup") : select.index("</optgroup>")]
    assert group.index('value="TW"') < group.index('value="JP"')
    assert "台湾" in group and "日本" in group
