"""Headings' ids never the page's own (posts.html.add_heading_anchors), in
the posts and pages stored before, and their revisions.

Ids are given on save: a post with a section titled "Comments" kept
id="comments" until saved again, and every "N comments" link led to that
heading. The live ``add_heading_anchors`` is used, not a frozen copy: a body
rewritten here must be what a save the next minute stores (a revision
differing from its post would make the next Save, with nothing changed, keep
one). Only the ids of headings change, and only where they clash; bodies are
read in batches, so a large blog migrates in bounded memory.
"""

from django.db import migrations

BATCH = 1000


def _rewrite(model, db: str) -> None:
    from posts.html import add_heading_anchors

    rows = model.objects.using(db).filter(body__contains="<h").order_by().values_list("pk", "body")
    for pk, body in rows.iterator(chunk_size=BATCH):
        anchored = add_heading_anchors(body)
        if anchored != body:
            model.objects.using(db).filter(pk=pk).update(body=anchored)


def heading_ids_of_their_own(apps, schema_editor):
    db = schema_editor.connection.alias
    for name in ("Post", "HistoricalPost", "Page", "HistoricalPage"):
        _rewrite(apps.get_model("posts", name), db)


class Migration(migrations.Migration):
    dependencies = [("posts", "0027_one_character_line_breaks")]

    operations = [
        migrations.RunPython(heading_ids_of_their_own, migrations.RunPython.noop, elidable=True),
    ]
