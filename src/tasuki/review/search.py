"""Full-text search over entries, in Japanese and English.

Why Sudachi: Japanese is written without spaces, so a database's own word
splitter either sees a whole sentence as one word or (with n-grams) lets 感動
match a text that merely has 感 and 動 somewhere. SudachiPy splits text into
dictionary words and gives each its normalised form, so 感動 is one token,
ｼｭﾐﾚｰｼｮﾝ and シュミレーション both become シミュレーション, and 走った becomes 走る.

Both sides go through the same :func:`tokens` function: the entry's words when
it is indexed (:func:`index_entry`, stored in :class:`EntrySearch`), and the
staff member's query (:func:`search`). A query matches an entry when every one
of its tokens is one of the entry's tokens (AND). The database then only has
to find whole tokens, which it does with an index: a GIN index over a
``tsvector`` on PostgreSQL, an FTS5 table on SQLite (see ``search_models``).

Query text never becomes SQL or query syntax: punctuation (and so every SQL,
LIKE, regex, tsquery and FTS5 operator) is dropped by the tokeniser, and the
tokens that remain travel as bound parameters, on SQLite each one quoted as
an FTS5 string.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable

from django.contrib.postgres.search import SearchQuery
from django.db import connections, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tasuki.entries.models import Entry
from tasuki.review import sudachi
from tasuki.review.search_models import EntrySearch

#: The fields of an entry that are searched, in the order they are indexed.
FIELDS = ("title", "pen_name", "resonated_story", "appeal", "episode", "wishes", "tagline")

#: Parts of speech that are never tokens: punctuation and symbols, spaces, and
#: Japanese particles and auxiliary verbs (が, を, た, ない…), which appear in
#: nearly every entry and would only make an AND query slower, never narrower.
SKIPPED_POS = frozenset({"補助記号", "空白", "助詞", "助動詞"})

#: Sudachi refuses input longer than 49,149 bytes; NFKC can also make text
#: longer than the form's limits (one ligature can become 18 characters). Text
#: is cut into pieces of at most this many characters (4 bytes each at worst).
CHUNK_CHARS = 12_000

_LATIN = re.compile(r"[a-z\u00df-\u024f]")
_SPACE = re.compile(r"\s+")
_local = threading.local()


def _tokenizer():
    """This thread's Sudachi tokenizer in split mode A (the shortest units, so
    that マラソン finds 東京マラソン); the dictionary is shared (``sudachi``)."""
    if not hasattr(_local, "skip"):
        _local.skip = sudachi.dictionary().pos_matcher(lambda pos: pos[0] in SKIPPED_POS)
    return sudachi.tokenizer("A")


def normalize(text: str) -> str:
    """NFKC (full-width Latin and digits, half-width kana) and case folding;
    control characters become spaces (PostgreSQL refuses NUL in text)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)


def _chunks(text: str) -> Iterable[str]:
    """Pieces short enough for Sudachi, cut at a space or line break where there is one."""
    while len(text) > CHUNK_CHARS:
        cut = max(text.rfind(" ", 0, CHUNK_CHARS), text.rfind("\n", 0, CHUNK_CHARS))
        if cut <= 0:
            cut = CHUNK_CHARS
        yield text[:cut]
        text = text[cut:]
    yield text


def _is_word(token: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in token)


def tokens(text: str) -> list[str]:
    """The search tokens of ``text``, in order (repeats kept).

    A Latin-script word keeps its own (case-folded) spelling: Sudachi's
    normalised form of an English word is often katakana (run → ラン), which
    would make English queries match unrelated Japanese. Everything else takes
    Sudachi's normalised form, folded again (it may be upper-case or
    full-width). Tokens without a letter or digit are dropped.
    """
    tokenizer = _tokenizer()
    skip = _local.skip
    out: list[str] = []
    for chunk in _chunks(normalize(text)):
        if not chunk.strip():
            continue
        for morpheme in tokenizer.tokenize(chunk):
            if skip(morpheme):
                continue
            surface = morpheme.surface()
            word = surface if _LATIN.search(surface) else morpheme.normalized_form()
            word = _SPACE.sub("", unicodedata.normalize("NFKC", word).casefold())
            if _is_word(word):
                out.append(word)
    return out


def query_tokens(text: str) -> list[str]:
    """The distinct tokens of a query, in the order typed."""
    return list(dict.fromkeys(tokens(text)))


def entry_tokens(entry: Entry) -> str:
    """The stored document of an entry: its searched fields' tokens, space-joined."""
    return " ".join(word for name in FIELDS for word in tokens(getattr(entry, name) or ""))


def _row(entry: Entry, now) -> EntrySearch:
    return EntrySearch(entry_id=entry.pk, tokens=entry_tokens(entry), indexed_at=now)


def _save_rows(rows: list[EntrySearch]) -> None:
    # An upsert, so that indexing again (reindex, a retried task) replaces the row.
    EntrySearch.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["entry"],
        update_fields=["tokens", "indexed_at"],
    )


def index_entry(entry: Entry) -> EntrySearch:
    """Compute and store the tokens of one entry (again, if it was indexed before)."""
    row = _row(entry, timezone.now())
    _save_rows([row])
    return row


def index_entry_id(entry_id: int) -> bool:
    """Index the entry with this id; False if it no longer exists (erased before
    the worker came to it), which is not an error."""
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None:
        return False
    index_entry(entry)
    return True


ProgressCallback = Callable[[int, int], None]


def reindex(
    campaign=None,
    progress: ProgressCallback | None = None,
    *,
    missing_only: bool = False,
    batch_size: int = 500,
) -> int:
    """Index every entry (of ``campaign``, or of all campaigns) again; returns how many.

    For entries that existed before search did (the demo, an upgrade) and
    after a change to the tokeniser; ``missing_only`` skips entries that
    already have a row (cheap enough to run at every start of ``make run``).
    Works in batches in primary-key order, one transaction per batch, so a
    long run holds no lock for long and a stopped run can simply be started
    again; ``progress(done, total)`` is called after each batch.
    """
    entries = Entry.objects.order_by("pk")
    if campaign is not None:
        entries = entries.filter(campaign=campaign)
    if missing_only:
        entries = entries.filter(search__isnull=True)
    total = entries.count()
    done = 0
    last_pk = 0
    fields = ("pk", *FIELDS)
    while True:
        batch = list(entries.filter(pk__gt=last_pk).only(*fields)[:batch_size])
        if not batch:
            break
        now = timezone.now()
        rows = [_row(entry, now) for entry in batch]
        with transaction.atomic():
            _save_rows(rows)
        done += len(batch)
        last_pk = batch[-1].pk
        if progress is not None:
            progress(done, total)
    return done


def _fts5_string(token: str) -> str:
    # An FTS5 string: anything between double quotes is text, a quote is doubled.
    return '"' + token.replace('"', '""') + '"'


def search(queryset: QuerySet[Entry], text: str) -> QuerySet[Entry]:
    """Narrow a queryset of entries to those that contain every token of ``text``.

    The queryset's own ordering is kept (the queue sorts by arrival, score or
    reviews); ranking by relevance would have to score every match on
    PostgreSQL before the first page could be shown. A query with no token
    (only punctuation, or empty) matches nothing.
    """
    words = query_tokens(text)
    if not words:
        return queryset.none()
    vendor = connections[queryset.db].vendor
    if vendor == "postgresql":
        # plainto_tsquery reads the words as plain text (no operators) and ANDs
        # them; the 'simple' configuration, like the stored vector, only lower-cases.
        query = SearchQuery(" ".join(words), config="simple", search_type="plain")
        matches = EntrySearch.objects.filter(vector=query).values("entry_id")
    elif vendor == "sqlite":
        # Space-separated FTS5 strings: all must match (implicit AND).
        match = " ".join(_fts5_string(word) for word in words)
        # The statement is a constant; the query travels as a bound parameter.
        matches = RawSQL(
            "SELECT rowid FROM review_entrysearch_fts WHERE review_entrysearch_fts MATCH %s",
            (match,),
        )
    else:  # pragma: no cover - settings accept only these two
        raise NotImplementedError(f"search is not implemented for {vendor}")
    return queryset.filter(pk__in=matches)


def index_new_entry(sender, instance: Entry, created: bool, raw: bool = False, **kwargs) -> None:
    """``post_save`` receiver for :class:`Entry`: queue the indexing of a new entry.

    Connected in ``ReviewConfig.ready`` (entries must not import review, so
    review listens). It runs inside the submit's transaction, so the task row
    commits or rolls back with the entry, as ``after_submit`` does. Entries are
    never edited after submit, so only creation is indexed; fixtures (``raw``)
    are left to ``reindex_entries``.
    """
    if created and not raw:
        from tasuki.review.tasks import index_entry_task

        index_entry_task.enqueue(instance.pk)


#: ``dispatch_uid`` of :func:`index_new_entry`, so connecting it twice is harmless.
INDEX_NEW_ENTRY_UID = "tasuki.review.search.index_new_entry"


def connect_signals() -> None:
    """Listen for new entries (call from ``ReviewConfig.ready``)."""
    from django.db.models.signals import post_save

    post_save.connect(index_new_entry, sender=Entry, dispatch_uid=INDEX_NEW_ENTRY_UID)
