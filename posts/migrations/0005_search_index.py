"""The full-text search index, created per database (see posts/search.py).

Written by hand: Django's state gets an ordinary model (SearchDocument), but
the table itself is an FTS5 virtual table on SQLite and a table with a
generated, GIN-indexed ``tsvector`` on PostgreSQL, which no model field can
describe. Other databases get a plain table (search falls back to LIKE).

No triggers: the index is written from Python (posts.search), because tags
change in another table and because SQLite drops a table's triggers whenever
a later migration rebuilds that table.
"""

import html
import re

import django.db.models.deletion
from django.db import migrations, models

SQLITE = """
CREATE VIRTUAL TABLE posts_search USING fts5(
    title, excerpt, body, tags,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""

# Weights: A title, B tags, C excerpt, D body. ts_rank's defaults
# ({0.1, 0.2, 0.4, 1.0} for D..A) then rank a title match above a body match.
POSTGRESQL = [
    """
    CREATE TABLE posts_search (
        rowid bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        excerpt text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        tags text NOT NULL DEFAULT '',
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A')
            || setweight(to_tsvector('english'::regconfig, tags), 'B')
            || setweight(to_tsvector('english'::regconfig, excerpt), 'C')
            || setweight(to_tsvector('english'::regconfig, body), 'D')
        ) STORED
    )
    """,
    "CREATE INDEX posts_search_document_idx ON posts_search USING gin (document)",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement)
    else:
        schema_editor.create_model(apps.get_model("posts", "SearchDocument"))


def drop_index(apps, schema_editor):
    schema_editor.execute("DROP TABLE posts_search")


def _clean(value: str) -> str:
    # posts.search.clean_text and plain_text, frozen here.
    return (value or "").replace("\ue000", "").replace("\ue001", "")


def _text(html_text: str) -> str:
    text = html.unescape(re.sub(r"<[^>]*>", " ", _clean(html_text)))
    return re.sub(r"\s+", " ", text).strip()


def index_existing_posts(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    TaggedPost = apps.get_model("posts", "TaggedPost")
    SearchDocument = apps.get_model("posts", "SearchDocument")
    db = schema_editor.connection.alias
    tags: dict[int, list[str]] = {}
    for post_id, name in TaggedPost.objects.using(db).values_list("content_object_id", "tag__name"):
        tags.setdefault(post_id, []).append(name)
    SearchDocument.objects.using(db).bulk_create(
        SearchDocument(
            post_id=post.pk,
            title=_clean(post.title),
            excerpt=_clean(post.excerpt),
            body=_text(post.body),
            tags=" ".join(sorted(tags.get(post.pk, []))),
        )
        for post in Post.objects.using(db).only("title", "excerpt", "body")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0004_authoring"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchDocument",
                    fields=[
                        (
                            "post",
                            models.OneToOneField(
                                db_column="rowid",
                                db_constraint=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                primary_key=True,
                                related_name="search_document",
                                serialize=False,
                                to="posts.post",
                            ),
                        ),
                        ("title", models.TextField()),
                        ("excerpt", models.TextField()),
                        ("body", models.TextField()),
                        ("tags", models.TextField()),
                    ],
                    options={"db_table": "posts_search"},
                ),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(index_existing_posts, migrations.RunPython.noop),
    ]
