"""``Post.feed_id`` is required and unique, each post having its own (0027)."""

import posts.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0029_post_feed_id"),
    ]

    operations = [
        migrations.AlterField(
            model_name="post",
            name="feed_id",
            field=models.CharField(
                default=posts.models.new_feed_id,
                editable=False,
                help_text="What feed readers know the post by (its RSS guid and Atom id), never changed: "
                "a renamed post is not a new item.",
                max_length=500,
                unique=True,
                verbose_name="feed ID",
            ),
        ),
    ]
