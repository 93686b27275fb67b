"""When a comment was announced (CommentReview.announced_at); comments already
approved were announced when they were approved, or posted if published at once."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def mark_approved_as_announced(apps, schema_editor):
    CommentReview = apps.get_model("posts", "CommentReview")
    Comment = apps.get_model("django_comments", "Comment")
    posted = Comment.objects.filter(pk=OuterRef("comment_id")).values("submit_date")[:1]
    CommentReview.objects.filter(status="approved").update(announced_at=Coalesce("decided_at", Subquery(posted)))


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0007_taggedpost_published_at"),
        ("django_comments", "0004_add_object_pk_is_removed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="commentreview",
            name="announced_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(mark_approved_as_announced, migrations.RunPython.noop),
    ]
