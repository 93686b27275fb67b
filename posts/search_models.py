"""The full-text index row of a post.

Search needs the title, excerpt, body text and tag names of a post in one
place the database can index: tags live in another table and the body is
HTML. ``posts.search`` copies them here whenever a post or its tags change.
"""

from django.db import models


class SearchDocument(models.Model):
    """One row per post in ``posts_search``, the table full-text search reads.

    The table is not an ordinary one, which is why migration
    ``0005_search_index`` creates it by hand for each database: on SQLite it is
    an FTS5 virtual table (its ``rowid`` is the post's id), on PostgreSQL a
    table with a generated, GIN-indexed, weighted ``tsvector`` (of the text
    with ``. / @ : < >`` read as spaces, migration 0033, so "Node.js" is
    indexed as the words a reader types, as FTS5 does), and a second one,
    ``words``, of the words unstemmed (migration 0035; SQLite keeps them in
    its table ``posts_search_words``) for beginnings. Django reads
    and writes only the plain text columns below. Change them only together
    with a hand-written migration: an AlterField cannot alter a virtual table.

    The relation has no database constraint (a virtual table has none); Django
    deletes the row with its post (``on_delete=CASCADE``).
    """

    post = models.OneToOneField(
        "posts.Post",
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    title = models.TextField()
    excerpt = models.TextField()
    body = models.TextField()
    tags = models.TextField()

    class Meta:
        db_table = "posts_search"

    def __str__(self) -> str:
        return self.title
