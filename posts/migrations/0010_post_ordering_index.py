"""An index in the model's own order, newest first, whatever the status: the
admin's list of posts sorted all of them for each page."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authors", "0002_author_comment_notifications_and_more"),
        ("posts", "0009_public_comment_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["-published_at", "-id"], name="post_ordering_idx"),
        ),
    ]
