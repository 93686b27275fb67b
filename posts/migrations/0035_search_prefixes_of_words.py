"""A word a reader is still typing finds the words it begins, not only the
stems it begins: "universit" finds "University", "happeni" "happening".

Both indexes hold English stems ("university" is ``univers``, "happening"
``happen``), so a prefix longer than the stem matched nothing, while the
whole word and shorter prefixes did: readers got "No results" mid-word.
The stemmed index stays (ranking, "schools" finds "school"); each database
now also knows the words as written:

* PostgreSQL: a second generated ``tsvector``, ``words``, with the
  ``simple`` configuration (no stemming, no stop words), the same
  ``. / @ : < >`` read as spaces (0034) and the same weights, GIN-indexed.
  A typed word matches ``document`` (its stem) or ``words`` (as a prefix).
* SQLite: ``posts_search_words``, the vocabulary of the index (every word,
  case and accents folded as FTS5 folds them). A typed word is searched in
  the FTS5 table as its stem or as any word of the vocabulary it begins
  (``posts.search``). The vocabulary is written with the index; existing
  posts' words are read from the index here.

Other databases search with LIKE, which already finds any part of a word.
"""

import re
import unicodedata

from django.db import migrations

APART = "./@:<>"


def vocabulary(texts) -> set[str]:
    # posts.search.vocabulary, frozen here.
    text = unicodedata.normalize("NFD", " ".join(texts).lower())
    return set(re.findall(r"[^\W_]+", "".join(char for char in text if not unicodedata.combining(char))))


def _words() -> str:
    def vector(column: str, weight: str) -> str:
        text = f"translate({column}, '{APART}', '{' ' * len(APART)}')"
        return f"setweight(to_tsvector('simple'::regconfig, {text}), '{weight}')"

    # Weights as in 0005 and 0034: A title, B tags, C excerpt, D body.
    columns = [("title", "A"), ("tags", "B"), ("excerpt", "C"), ("body", "D")]
    return " || ".join(vector(column, weight) for column, weight in columns)


def add_words(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE posts_search ADD COLUMN words tsvector GENERATED ALWAYS AS ({_words()}) STORED"
        )
        schema_editor.execute("CREATE INDEX posts_search_words_idx ON posts_search USING gin (words)")
    elif vendor == "sqlite":
        schema_editor.execute("CREATE TABLE posts_search_words (word text PRIMARY KEY) WITHOUT ROWID")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT title, excerpt, body, tags FROM posts_search")
            words: set[str] = set()
            while rows := cursor.fetchmany(1000):  # not every post's text in memory at once
                for row in rows:
                    words |= vocabulary(row)
            cursor.executemany("INSERT INTO posts_search_words (word) VALUES (%s)", [(word,) for word in words])


def remove_words(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE posts_search DROP COLUMN words")  # and its index
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE posts_search_words")


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0034_search_words_apart"),
    ]

    operations = [
        migrations.RunPython(add_words, remove_words),
    ]
