"""Line breaks stored as "\\n", as the forms now store them (posts.forms.TypedText).

Excerpts and comments saved from a browser kept its "\\r\\n". Saved again,
unchanged, an excerpt now comes back with "\\n": on a published post that
read as an edit ("Updated on …" for readers and feeds) and kept a revision.
So excerpts, with their revisions, and comments' texts are rewritten once.
A comment's HTML (posts.CommentBody) is the same either way.
"""

from django.db import migrations
from django.db.models import F, Value
from django.db.models.functions import Replace


def _one_character(field: str):
    return Replace(Replace(F(field), Value("\r\n"), Value("\n")), Value("\r"), Value("\n"))


def one_character_line_breaks(apps, schema_editor):
    db = schema_editor.connection.alias
    for model in (apps.get_model("posts", "Post"), apps.get_model("posts", "HistoricalPost")):
        model.objects.using(db).filter(excerpt__contains="\r").update(excerpt=_one_character("excerpt"))
    Comment = apps.get_model("django_comments", "Comment")  # the table holding XtdComment's text
    Comment.objects.using(db).filter(comment__contains="\r").update(comment=_one_character("comment"))


class Migration(migrations.Migration):
    dependencies = [
        ("django_comments", "0004_add_object_pk_is_removed_index"),
        ("posts", "0026_unguessable_upload_paths"),
    ]

    operations = [
        migrations.RunPython(one_character_line_breaks, migrations.RunPython.noop, elidable=True),
    ]
