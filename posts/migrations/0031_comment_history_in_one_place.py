"""A comment's admin history in one place: changes made on the moderation
queue's page were logged under its proxy model (PendingComment), which the
comment's History among all comments did not show. They move to the
comment's own model, under which the queue now logs them too."""

from django.db import migrations


def queue_entries_to_comments(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    queue = ContentType.objects.filter(app_label="posts", model="pendingcomment").first()
    comments = ContentType.objects.filter(app_label="django_comments_xtd", model="xtdcomment").first()
    if queue is not None and comments is not None:
        LogEntry.objects.filter(content_type=queue).update(content_type=comments)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0030_post_feed_id_unique"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(queue_entries_to_comments, migrations.RunPython.noop)]
