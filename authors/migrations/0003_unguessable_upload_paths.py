"""New photos are stored in a random folder of their own, as thumbnails
are (skolr_blog.upload_paths). Where files go is Python's business only:
the column is unchanged, so the database is left alone (as an AlterField,
SQLite rebuilt the authors' table to change nothing)."""

import skolr_blog.images
import skolr_blog.upload_paths
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authors", "0002_author_comment_notifications_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="author",
                    name="photo",
                    field=models.ImageField(
                        blank=True,
                        upload_to=skolr_blog.upload_paths.UnguessablePath("authors"),
                        validators=[skolr_blog.images.validate_image],
                    ),
                ),
            ]
        ),
    ]
