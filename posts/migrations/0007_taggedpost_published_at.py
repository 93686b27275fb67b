"""Copy each post's publish date onto its taggings (see TaggedPost.published_at)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_publish_dates(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    TaggedPost = apps.get_model("posts", "TaggedPost")
    published = Post.objects.filter(pk=OuterRef("content_object"), status="published")
    TaggedPost.objects.update(published_at=Subquery(published.values("published_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0006_review_without_date"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="taggedpost",
            name="published_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="taggedpost",
            index=models.Index(fields=["tag", "published_at", "content_object"], name="tagged_post_published_idx"),
        ),
        migrations.RunPython(copy_publish_dates, migrations.RunPython.noop),
    ]
