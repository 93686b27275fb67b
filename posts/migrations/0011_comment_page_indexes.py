"""Indexes that find one page of a post's comments without reading the
comment tables (``posts.comments.comment_page``).

1. The public-comment index of migration 0009 gains the comment's id: the
   post's public comments are then listed, ids included, from the index
   alone (SQLite keeps the id, its rowid, in every index already).
2. django-comments-xtd's thread table, by comment, with each comment's
   thread and place in it: placing the post's comments in thread order is
   one index probe a comment, without visiting the table.

Both tables are the comment apps', so the indexes are written here, in SQL
that PostgreSQL and SQLite read the same way.
"""

from django.db import migrations

PUBLIC_BY_POST = (
    "CREATE INDEX comment_public_by_post_idx ON django_comments (object_pk, content_type_id, site_id{}) "
    "WHERE is_public AND NOT is_removed"
)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0010_post_ordering_index"),
        ("django_comments_xtd", "0008_auto_20200920_2037"),
    ]

    operations = [
        migrations.RunSQL(
            ["DROP INDEX comment_public_by_post_idx", PUBLIC_BY_POST.format(", id")],
            ["DROP INDEX comment_public_by_post_idx", PUBLIC_BY_POST.format("")],
        ),
        migrations.RunSQL(
            'CREATE INDEX comment_thread_position_idx ON django_comments_xtd_xtdcomment (comment_ptr_id, thread_id, "order")',
            "DROP INDEX comment_thread_position_idx",
        ),
    ]
