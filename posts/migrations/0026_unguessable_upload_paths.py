"""New thumbnails are stored in a random folder of their own
(skolr_blog.upload_paths). Where files go is Python's business only: the
column is unchanged, so the database is left alone (as an AlterField,
SQLite rebuilt the posts' table to change nothing)."""

import skolr_blog.images
import skolr_blog.upload_paths
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0025_revision_co_authors"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="thumbnail",
                    field=models.ImageField(
                        blank=True,
                        height_field="thumbnail_height",
                        upload_to=skolr_blog.upload_paths.UnguessablePath("posts/%Y"),
                        validators=[skolr_blog.images.validate_image],
                        width_field="thumbnail_width",
                    ),
                ),
            ]
        ),
    ]
