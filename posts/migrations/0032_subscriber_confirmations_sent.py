"""Each subscriber counts the confirmation emails sent since it last
confirmed, and when the last went out: the limit on them is kept in the
database, which every app process shares (it was in the cache). Addresses
given before start with none counted."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0031_comment_history_in_one_place"),
    ]

    operations = [
        migrations.AddField(
            model_name="subscriber",
            name="confirmation_sent_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="subscriber",
            name="confirmations_sent",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
