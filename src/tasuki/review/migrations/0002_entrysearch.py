# Search index of entries (issue 8, item 4): the EntrySearch table, then what
# each database needs to find its tokens without reading every row: a GIN index
# over the generated tsvector on PostgreSQL, an FTS5 table kept in step by
# triggers on SQLite. Self-contained: nothing here depends on review's other models.

import django.db.models.deletion
from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

import tasuki.review.search_models

GIN_INDEX = "review_entrysearch_vector_gin"

# FTS5 over the stored tokens (an external-content table: the words are kept
# once, in review_entrysearch). The tokenizer treats every character except
# spaces and control characters as part of a word, so it splits exactly where
# Sudachi did and a quoted query token matches whole tokens only.
# Deleting a row also runs 'optimize': without it FTS5 only marks the words of
# an erased entry as deleted and keeps them in its shadow tables until a later
# merge (SQLite 3.40 has no 'secure-delete'). SQLite serves development and
# tests, where the index is small; production runs on PostgreSQL.
SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE review_entrysearch_fts USING fts5(
        tokens, content='review_entrysearch', content_rowid='entry_id',
        tokenize="unicode61 remove_diacritics 0 categories 'L* N* M* P* S* Co'"
    )""",
    """CREATE TRIGGER review_entrysearch_fts_insert AFTER INSERT ON review_entrysearch BEGIN
        INSERT INTO review_entrysearch_fts(rowid, tokens) VALUES (new.entry_id, new.tokens);
    END""",
    """CREATE TRIGGER review_entrysearch_fts_update AFTER UPDATE ON review_entrysearch BEGIN
        INSERT INTO review_entrysearch_fts(review_entrysearch_fts, rowid, tokens)
            VALUES ('delete', old.entry_id, old.tokens);
        INSERT INTO review_entrysearch_fts(rowid, tokens) VALUES (new.entry_id, new.tokens);
    END""",
    """CREATE TRIGGER review_entrysearch_fts_delete AFTER DELETE ON review_entrysearch BEGIN
        INSERT INTO review_entrysearch_fts(review_entrysearch_fts, rowid, tokens)
            VALUES ('delete', old.entry_id, old.tokens);
        INSERT INTO review_entrysearch_fts(review_entrysearch_fts) VALUES ('optimize');
    END""",
    # Rows that exist already (none when this migration first runs, but harmless).
    "INSERT INTO review_entrysearch_fts(review_entrysearch_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS review_entrysearch_fts_insert",
    "DROP TRIGGER IF EXISTS review_entrysearch_fts_update",
    "DROP TRIGGER IF EXISTS review_entrysearch_fts_delete",
    "DROP TABLE IF EXISTS review_entrysearch_fts",
]


def add_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        model = apps.get_model("review", "EntrySearch")
        schema_editor.add_index(model, GinIndex(fields=["vector"], name=GIN_INDEX))
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def remove_search_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        model = apps.get_model("review", "EntrySearch")
        schema_editor.remove_index(model, GinIndex(fields=["vector"], name=GIN_INDEX))
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('entries', '0004_drop_single_manage_digest'),
        ('review', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='EntrySearch',
            fields=[
                ('entry', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search', serialize=False, to='entries.entry')),
                ('tokens', models.TextField(blank=True)),
                ('vector', models.GeneratedField(db_persist=True, expression=tasuki.review.search_models.TokenVector('tokens'), output_field=tasuki.review.search_models.TokenVectorField())),
                ('indexed_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(add_search_index, remove_search_index),
    ]
