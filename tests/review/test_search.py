"""Full-text search over entries (issue 8, item 4): whole Japanese words, not
their characters; normalised spellings; English without case; every word must
match; query text is only ever text; erasure reaches the index; the database
answers from its index, not by reading every row. Runs on SQLite (FTS5) and on
PostgreSQL (tsvector + GIN) alike."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasuki.entries import services as entry_services
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import Entry, new_receipt
from tasuki.review import search
from tasuki.review.search_models import FTS_TABLE, GIN_INDEX_NAME, EntrySearch
from tasuki.review.tasks import index_entry_task
from tests.conftest import run_worker, solve_altcha
from tests.factories import entry_data, open_campaign

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "language": "ja",
    "title": "沿道の声",
    "pen_name": "青い帽子",
    "role": "runner",
    "country": "JP",
    "appeal": "街じゅうが応援してくれる。",
    "episode": "三十キロで脚が止まった。",
    "wishes": "ゴールにベンチを増やしてほしい。",
    "tagline": "四十二キロの手紙",
    "age_group": "adult",
}


def make_entry(campaign, *, index: bool = True, **fields) -> Entry:
    """An entry written straight to the table (the submit path has its own test)."""
    now = timezone.now()
    entry = Entry.objects.create(
        campaign=campaign,
        period=campaign.periods.first(),
        terms_version=campaign.terms_versions.first(),
        receipt=new_receipt(),
        submission_key=uuid.uuid4(),
        consented_at=now,
        submitted_at=now,
        arrived_at=now,
        **{**DEFAULTS, **fields},
    )
    if index:
        search.index_entry(entry)
    return entry


def found(text: str, queryset=None) -> set[int]:
    return set(search.search(queryset or Entry.objects.all(), text).values_list("pk", flat=True))


# --- tokens -------------------------------------------------------------------------


def test_tokens_are_normalised_words():
    assert search.tokens("感動した") == ["感動", "為る"]  # た (auxiliary) is not a word to find
    # Half-width katakana, and the common misspelling, become Sudachi's normal form.
    assert search.tokens("ｼｭﾐﾚｰｼｮﾝ") == search.tokens("シミュレーション") == ["シミュレーション"]
    assert search.tokens("走った") == search.tokens("走る") == ["走る"]
    # English keeps its spelling, folded: Sudachi's normal form of "run" is ラン.
    assert search.tokens("Run the MARATHON") == ["run", "the", "marathon"]
    # Full-width Latin and digits are the same as half-width.
    assert search.tokens("４２ｋｍ ＭＡＲＡＴＨＯＮ") == ["42", "km", "marathon"]
    assert search.tokens("%_'\";--.*[") == []


# --- what a search finds ----------------------------------------------------------------


def test_a_two_character_word_finds_the_word_not_its_characters(campaign):
    moved = make_entry(campaign, episode="ゴールの瞬間、言葉にならないほど感動した。")
    in_title = make_entry(campaign, title="沿道の感動")
    apart = make_entry(campaign, episode="寒さを感じたが、応援で足が動いた。")
    make_entry(campaign, episode="感無量だった。動画も撮った。")

    assert found("感動") == {moved.pk, in_title.pk}
    assert apart.pk not in found("感動")
    # Nor is 感 alone a word of any of them (it is one in 感無量, split in mode A).
    assert not found("感") & {moved.pk, in_title.pk, apart.pk}


def test_half_width_katakana_finds_the_normalised_word(campaign):
    entry = make_entry(campaign, appeal="走る前にコースをシミュレーションした。")
    make_entry(campaign, appeal="走る前にコースを下見した。")

    assert found("ｼｭﾐﾚｰｼｮﾝ") == {entry.pk}
    assert found("シュミレーション") == {entry.pk}  # the usual misspelling too


def test_english_words_are_found_whatever_their_case(campaign):
    lower = make_entry(campaign, language="en", episode="My first marathon, at fifty.")
    upper = make_entry(campaign, language="en", title="MARATHON DAY")
    make_entry(campaign, language="en", episode="A half distance race in the rain.")

    assert found("Marathon") == {lower.pk, upper.pk}
    assert found("ｍａｒａｔｈｏｎ") == {lower.pk, upper.pk}
    assert found("marath") == set()  # whole words only, no prefixes


def test_every_word_of_the_query_must_match(campaign):
    both = make_entry(campaign, language="en", episode="The volunteer at the marathon finish.")
    marathon = make_entry(campaign, language="en", episode="My first marathon.")
    mixed = make_entry(campaign, episode="marathonのゴールで感動した。")

    assert found("marathon volunteer") == {both.pk}
    assert found("volunteer marathon") == {both.pk}
    assert found("marathon") == {both.pk, marathon.pk, mixed.pk}
    assert found("感動 marathon") == {mixed.pk}
    assert found("感動 volunteer") == set()


def test_search_narrows_the_given_queryset_and_keeps_its_order(campaign):
    other = open_campaign()
    here = [make_entry(campaign, episode=f"給水所で感動した。{n}") for n in range(3)]
    make_entry(other, episode="給水所で感動した。")

    queryset = Entry.objects.filter(campaign=campaign).order_by("-pk")
    result = search.search(queryset, "給水所")
    assert list(result.values_list("pk", flat=True)) == [e.pk for e in reversed(here)]


def test_the_pen_name_and_every_answer_are_searched(campaign):
    entry = make_entry(
        campaign,
        title="題名語",
        pen_name="ペンネーム語",
        resonated_story="共感語",
        appeal="魅力語",
        episode="挿話語",
        wishes="願望語",
        tagline="合言葉語",
    )
    for field in search.FIELDS:
        word = search.tokens(getattr(entry, field))[0]
        assert found(word) == {entry.pk}, field


# --- query text is text -----------------------------------------------------------------

NASTY = [
    "%_'\";--.*[",
    "%",
    "_",
    "'",
    '"',
    "' OR '1'='1",
    "'); DROP TABLE review_entrysearch; --",
    "marathon OR nothingatall",  # OR is a word, not an operator: nothing has "or"
    "marathon | nothingatall",
    "marath*",  # no prefix search
    "NEAR(marathon finish)",
    "tokens:marathon",
    "marath:*",  # nor tsquery's
    "(",
    "\\",
    "^marathon AND",
    "\x00",
    "   ",
    "",
]


@pytest.mark.parametrize("query", NASTY)
def test_metacharacters_are_only_text(campaign, query):
    make_entry(campaign, language="en", episode="The marathon finish, 100% tired.")
    make_entry(campaign, episode="%_'\";--.*[ 50%_off \\ ( ) ^ *")

    assert found(query) == set()


def test_operators_are_not_obeyed(campaign):
    entry = make_entry(campaign, language="en", episode="The marathon finish.")

    # A tsquery or FTS5 "not" would exclude the entry; here ! and - are punctuation.
    assert found("!marathon") == {entry.pk}
    assert found("-marathon") == {entry.pk}
    assert found("marathon*") == {entry.pk}
    assert found("marathon:*") == {entry.pk}
    assert found('"marathon finish"') == {entry.pk}


def test_an_entry_with_metacharacters_is_found_by_its_words(campaign):
    entry = make_entry(
        campaign,
        language="en",
        title="100% done; -- [sic] .* _under_ 'quoted' \"twice\"",
        episode="感動%した_",
    )
    assert found("done") == {entry.pk}
    assert found("quoted twice") == {entry.pk}
    assert found("100% done") == {entry.pk}
    assert found("感動") == {entry.pk}
    assert found(entry.title) == {entry.pk}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.text(
        alphabet=st.sampled_from(
            list("感動走るマラソンｼｭﾐﾚｰｼｮﾝがのをabcXYZ019０１ｱ-'\".*%_[]()!|&:@/ \n、。")
        ),
        max_size=40,
    )
)
def test_any_text_is_found_by_itself_and_never_breaks_a_query(campaign, text):
    """Whatever an entrant writes, searching for it finds the entry: the stored
    tokens and the query's go through the same steps, and neither the database's
    own parser (PostgreSQL) nor its tokenizer (FTS5) reads them differently."""
    entry = make_entry(campaign, title=text)
    mine = Entry.objects.filter(pk=entry.pk)
    expected = {entry.pk} if search.query_tokens(text) else set()
    assert found(text, mine) == expected


def test_input_longer_than_sudachi_takes_is_indexed_whole(campaign):
    # NFKC makes this ligature 18 characters: far past Sudachi's 49,149 bytes.
    entry = make_entry(campaign, episode="ﷺ" * 3000 + " 最後に感動した。")
    assert len(entry.episode.encode()) < 49_149 < len(search.normalize(entry.episode).encode())

    assert found("感動") == {entry.pk}


# --- keeping the index current ------------------------------------------------------------


def submit(campaign, **overrides) -> Entry:
    form = EntryForm(entry_data(altcha=solve_altcha(), **overrides), campaign=campaign)
    assert form.is_valid(), form.errors
    return entry_services.submit_entry(
        campaign=campaign, data=form.cleaned_data, photo_tokens=[]
    ).entry


@pytest.fixture
def listening():
    """The receiver ``ReviewConfig.ready`` connects; connected here if it is not
    yet, and left as it was found."""
    added = not any(key[0] == search.INDEX_NEW_ENTRY_UID for key, *_ in post_save.receivers)
    search.connect_signals()
    yield
    if added:
        post_save.disconnect(sender=Entry, dispatch_uid=search.INDEX_NEW_ENTRY_UID)


def test_a_submitted_entry_is_found_once_the_worker_has_run(campaign, listening):
    entry = submit(campaign, episode="At 35 km a stranger walked the kilometre with me.")
    assert not EntrySearch.objects.filter(entry=entry).exists()  # the entrant did not wait

    run_worker()

    assert found("stranger kilometre") == {entry.pk}


def test_the_task_indexes_by_id_and_skips_an_erased_entry(campaign):
    entry = make_entry(campaign, index=False, episode="沿道で感動した。")
    gone = make_entry(campaign, index=False, episode="沿道で感動した。")
    index_entry_task.enqueue(entry.pk)
    index_entry_task.enqueue(gone.pk)
    entry_services.erase_entry(gone)

    run_worker()

    assert found("感動") == {entry.pk}
    assert not EntrySearch.objects.filter(entry_id=gone.pk).exists()


def _index_storage_text() -> str:
    """Everything the search tables hold, blobs included (FTS5 keeps its words in
    the binary pages of its shadow tables)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith("review_entrysearch"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value).decode("utf-8", "ignore"))
                    elif value is not None:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_erasing_an_entry_removes_its_words_from_the_index(campaign):
    kept = make_entry(campaign, language="en", episode="The marathon finish.")
    erased = make_entry(campaign, language="en", episode="The zebracorn marathon finish.")
    assert "zebracorn" in _index_storage_text()  # so the check below can see it

    entry_services.erase_entry(erased)

    assert not EntrySearch.objects.filter(entry_id=erased.pk).exists()
    assert "zebracorn" not in _index_storage_text()
    assert found("marathon") == {kept.pk}
    assert found("zebracorn") == set()


def test_reindex_fills_and_refreshes_the_index(campaign):
    other = open_campaign()
    first = make_entry(campaign, index=False, episode="給水所のボランティア。")
    second = make_entry(campaign, index=False, episode="ゴールで家族が待っていた。")
    elsewhere = make_entry(other, index=False, episode="給水所の水。")
    assert found("給水所") == set()
    calls = []

    assert search.reindex(campaign=campaign, progress=lambda *a: calls.append(a)) == 2

    assert found("給水所") == {first.pk}  # the other campaign was not indexed
    assert calls[-1] == (2, 2)
    # An entry whose stored words are out of date is indexed again, old words gone.
    Entry.objects.filter(pk=second.pk).update(episode="沿道の太鼓に励まされた。")
    assert search.reindex(batch_size=1) == 3
    assert found("太鼓") == {second.pk}
    assert found("家族") == set()
    assert found("給水所") == {first.pk, elsewhere.pk}
    assert EntrySearch.objects.count() == 3


def test_reindex_of_missing_rows_only_leaves_indexed_entries_alone(campaign):
    indexed = make_entry(campaign, episode="給水所のボランティア。")
    Entry.objects.filter(pk=indexed.pk).update(episode="沿道の太鼓。")  # row now out of date
    missing = make_entry(campaign, index=False, episode="ゴールで家族が待っていた。")

    assert search.reindex(missing_only=True) == 1

    assert found("家族") == {missing.pk}
    assert found("給水所") == {indexed.pk}  # its row was not rewritten
    assert found("太鼓") == set()


def test_reindex_command_prints_progress(campaign):
    make_entry(campaign, index=False, episode="沿道で感動した。")
    make_entry(campaign, index=False, episode="ゴールで感動した。")
    out = io.StringIO()

    call_command("reindex_entries", "--campaign", campaign.slug, stdout=out)

    assert "indexed 2 of 2 entries" in out.getvalue()
    assert "Search index: 2 entries indexed" in out.getvalue()
    assert len(found("感動")) == 2
    make_entry(campaign, index=False, episode="橋の上で感動した。")
    out = io.StringIO()
    call_command("reindex_entries", "--missing", stdout=out)
    assert "indexed 1 of 1 entries" in out.getvalue()
    assert len(found("感動")) == 3
    with pytest.raises(CommandError, match="no-such-campaign"):
        call_command("reindex_entries", "--campaign", "no-such-campaign", stdout=io.StringIO())


# --- the database answers from its index ------------------------------------------------


def test_the_search_is_answered_by_the_index(campaign):
    """The plan reads the GIN index (PostgreSQL) or the FTS5 table (SQLite)."""
    matching = [make_entry(campaign, episode=f"{n}キロ地点で感動した。") for n in range(5)]
    template = make_entry(campaign, index=False, episode="沿道の声援に励まされた。")
    others = Entry.objects.bulk_create(
        Entry(
            **{
                f.attname: getattr(template, f.attname)
                for f in Entry._meta.concrete_fields
                if not f.primary_key
            }
            | {"receipt": new_receipt(), "submission_key": uuid.uuid4()}
        )
        for _ in range(500)
    )
    search.reindex()
    queryset = search.search(Entry.objects.order_by("-submitted_at"), "感動")
    assert queryset.count() == len(matching)
    assert Entry.objects.count() == len(others) + 6
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE review_entrysearch")
            cursor.execute("ANALYZE entries_entry")
            # A test table is small enough to read whole, so reading it whole
            # (a sequential scan, or walking the primary key and testing each
            # row) is priced out here, as a big table prices it. What remains is
            # a bitmap scan, and for @@ only the GIN index can drive one: without
            # it the plan tests every row's vector (tried: this then fails).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
        plan = queryset.explain()
        assert "Bitmap Index Scan on " + GIN_INDEX_NAME in plan, plan
    else:
        plan = queryset.explain()
        # SQLite names the FTS5 table as a virtual table queried through its
        # full-text index (a scan of every row would read review_entrysearch).
        assert f"{FTS_TABLE} VIRTUAL TABLE INDEX" in plan, plan
        assert "review_entrysearch " not in plan.replace(FTS_TABLE, ""), plan
