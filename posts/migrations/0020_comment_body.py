"""Comments in Markdown: each comment's text as readers see it, stored as
HTML (CommentBody), and for every existing comment, that HTML now.

The rendering is the live ``posts.comment_format.render_markdown``, not a frozen
copy: it is a pure function of the text (markdown-it-py, Pygments, nh3),
and a comment stored by this migration must look as one posted the next
minute does. Comments are read and written in batches, so a blog with
hundreds of thousands of them migrates in bounded memory.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


BATCH = 1000


def render_existing_comments(apps, schema_editor):
    from posts.comment_format import render_markdown

    db = schema_editor.connection.alias
    XtdComment = apps.get_model("django_comments_xtd", "XtdComment")
    CommentBody = apps.get_model("posts", "CommentBody")
    rows = XtdComment.objects.using(db).order_by("pk").values_list("pk", "comment").iterator(chunk_size=BATCH)
    batch = []
    for pk, text in rows:
        batch.append(CommentBody(comment_id=pk, html=render_markdown(text)))
        if len(batch) == BATCH:
            CommentBody.objects.using(db).bulk_create(batch)
            batch = []
    CommentBody.objects.using(db).bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('django_comments_xtd', '0008_auto_20200920_2037'),
        ('posts', '0019_body_image_sources'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CommentBody',
            fields=[
                ('comment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='body', serialize=False, to='django_comments_xtd.xtdcomment')),
                ('html', models.TextField(help_text="The comment's Markdown, rendered and sanitized.")),
                ('edited_at', models.DateTimeField(blank=True, null=True)),
                ('edited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(render_existing_comments, migrations.RunPython.noop, elidable=True),
    ]
