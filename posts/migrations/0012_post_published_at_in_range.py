"""Publish dates within the years the archive's addresses can show
(``EARLIEST_PUBLISH_DATE`` and ``LATEST_PUBLISH_DATE`` in posts/models.py):
a post dated in the year 0999 made every page that lists it fail.

A database holding such a post cannot take the constraint: the migration
stops there, naming the constraint; correct the post's date first.
"""

import datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('authors', '0002_author_comment_notifications_and_more'),
        ('posts', '0011_comment_page_indexes'),
        ('taggit', '0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='post',
            constraint=models.CheckConstraint(condition=models.Q(('published_at__isnull', True), models.Q(('published_at__gte', datetime.datetime(1900, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)), ('published_at__lt', datetime.datetime(2999, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))), _connector='OR'), name='post_published_at_in_range'),
        ),
    ]
