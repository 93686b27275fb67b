"""An index of public comments by post, for the comment counts on every list
and article page.

Counting a post's public comments through django-contrib-comments' own
``object_pk`` index visits every comment row to check ``is_public``,
``is_removed`` and the site: ~0.9 ms for a post with 2,000 comments, paid
by every page that lists it. With the filter in the index's ``WHERE`` and
the rest in its key, the count reads the index alone.

The table is django-contrib-comments', so the index is written here, in SQL
both databases read the same way (partial indexes: PostgreSQL and SQLite).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0008_comment_announced_at"),
        ("django_comments", "0004_add_object_pk_is_removed_index"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX comment_public_by_post_idx ON django_comments (object_pk, content_type_id, site_id) "
            "WHERE is_public AND NOT is_removed",
            "DROP INDEX comment_public_by_post_idx",
        ),
    ]
