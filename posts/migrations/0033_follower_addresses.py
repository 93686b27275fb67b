"""Emails about new comments go to an address only once its owner has
confirmed it (double opt-in, ``posts.followups``): ``FollowerAddress``.

The readers who already got them keep getting them: the address of every
published comment that asked for them (signed out; an account's address is
its own) is recorded as confirmed. A comment still waiting for a moderator
had sent nobody anything yet: its address confirms, as any other, once it is
published.
"""

import django.db.models.functions.text
import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Lower, Trim

BATCH = 1000


def confirm_current_followers(apps, schema_editor):
    db = schema_editor.connection.alias
    XtdComment = apps.get_model("django_comments_xtd", "XtdComment")
    FollowerAddress = apps.get_model("posts", "FollowerAddress")
    emails = (
        XtdComment.objects.using(db)
        .filter(followup=True, is_public=True, is_removed=False, user__isnull=True)
        .annotate(address=Lower(Trim("user_email")))
        .exclude(address="")
        .order_by("address")
        .values_list("address", flat=True)
        .distinct()
    )
    now = django.utils.timezone.now()
    batch = []
    for email in emails.iterator(chunk_size=BATCH):
        batch.append(FollowerAddress(email=email, confirmed_at=now))
        if len(batch) == BATCH:
            FollowerAddress.objects.using(db).bulk_create(batch)
            batch = []
    FollowerAddress.objects.using(db).bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("django_comments_xtd", "0008_auto_20200920_2037"),
        ("posts", "0032_subscriber_confirmations_sent"),
    ]

    operations = [
        migrations.CreateModel(
            name="FollowerAddress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("email", models.EmailField(max_length=254)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "confirmed_at",
                    models.DateTimeField(
                        blank=True, help_text="When the reader clicked the confirmation link; empty until then.", null=True
                    ),
                ),
                ("confirmations_sent", models.PositiveIntegerField(default=0, editable=False)),
                ("confirmation_sent_at", models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name_plural": "follower addresses",
                "ordering": ["email"],
                "constraints": [
                    models.UniqueConstraint(
                        django.db.models.functions.text.Lower("email"), name="follower_address_email_unique_ci"
                    )
                ],
            },
        ),
        migrations.RunPython(confirm_current_followers, migrations.RunPython.noop, elidable=True),
    ]
