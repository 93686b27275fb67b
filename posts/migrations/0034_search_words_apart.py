"""PostgreSQL's search index reads "Node.js", "ASP.NET", "<picture>" or an
email address as the words a reader types, as SQLite's does.

PostgreSQL's text-search parser keeps such tokens whole (a host name, a
file, a version, an email, an HTML tag, which it drops) where readers'
queries are split into words (``posts.search.search_terms``): "node.js"
searched for ``node`` and ``js``, and the index held only ``node.js``, so
an article about Node.js was not found for "node.js", nor for "js", nor
one about the <picture> element for "picture". SQLite's tokenizer splits
on every such character. The indexed text now has ``. / @ : < >`` read as
spaces (``translate``), a generated column's expression; the text stored,
which search results show and highlight, is unchanged.

SQLite's index needs nothing. The column is generated again from the
stored text (a table rewrite: seconds at 100,000 posts).
"""

from django.db import migrations

APART = "./@:<>"


def _document(apart: bool) -> str:
    def vector(column: str, weight: str) -> str:
        text = f"translate({column}, '{APART}', '{' ' * len(APART)}')" if apart else column
        return f"setweight(to_tsvector('english'::regconfig, {text}), '{weight}')"

    # Weights as in 0005: A title, B tags, C excerpt, D body.
    columns = [("title", "A"), ("tags", "B"), ("excerpt", "C"), ("body", "D")]
    return " || ".join(vector(column, weight) for column, weight in columns)


def _statements(apart: bool) -> list[str]:
    return [
        "ALTER TABLE posts_search DROP COLUMN document",  # and its index
        f"ALTER TABLE posts_search ADD COLUMN document tsvector GENERATED ALWAYS AS ({_document(apart)}) STORED",
        "CREATE INDEX posts_search_document_idx ON posts_search USING gin (document)",
    ]


def words_apart(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(apart=True):
            schema_editor.execute(statement)


def words_together(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in _statements(apart=False):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0033_follower_addresses"),
    ]

    operations = [
        migrations.RunPython(words_apart, words_together),
    ]
