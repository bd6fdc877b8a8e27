"""The search index of entries: one row per entry with its normalised tokens.

Kept apart from ``review.models`` (which imports it) so that search can change
without touching the review states and decisions.

Why the tokens are stored rather than the text: Japanese has no spaces, so
neither PostgreSQL's parser nor SQLite's FTS5 can find word boundaries in it.
SudachiPy does that in Python (``review.search``) and the row keeps the result,
one space between tokens; each database then indexes the tokens as words:

- PostgreSQL: ``vector`` is a stored generated ``tsvector`` built with the
  ``simple`` configuration (no stemming or stop words of its own: Sudachi has
  already normalised every token), with a GIN index that the migration adds;
- SQLite: ``vector`` is always NULL; the migration adds an FTS5 table over
  ``tokens`` kept in step by triggers.

Erasing an entry deletes its row (CASCADE) and, on SQLite, the triggers take
its words out of the FTS5 index too.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from tasuki.entries.models import Entry

#: Names shared by the migration, the queries and the tests.
GIN_INDEX_NAME = "review_entrysearch_vector_gin"
FTS_TABLE = "review_entrysearch_fts"


class TokenVectorField(SearchVectorField):
    """A ``tsvector`` on PostgreSQL; a plain (always NULL) column elsewhere."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class TokenVector(models.Func):
    """``to_tsvector('simple', tokens)`` on PostgreSQL, NULL on other databases
    (SQLite indexes ``tokens`` with FTS5 instead)."""

    output_field = TokenVectorField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        tokens, params = compiler.compile(self.source_expressions[0])
        return f"to_tsvector('simple'::regconfig, {tokens})", params


class EntrySearch(models.Model):
    """The words of one entry (title, pen name and the five answers) as search sees them."""

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    #: Sudachi's normalised tokens, lower-case, separated by single spaces.
    tokens = models.TextField(blank=True)
    vector = models.GeneratedField(
        expression=TokenVector("tokens"), output_field=TokenVectorField(), db_persist=True
    )
    indexed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"search tokens of {self.entry_id}"
