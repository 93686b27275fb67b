"""Each post gets ``feed_id``, what feed readers know it by (its RSS guid and
Atom id), set once and never changed.

Feeds gave the item's link instead, so feed readers hold that for every
post they have seen: a live post keeps its link of now, on the site's
domain, as its identity, and nothing they have reappears as new (a feed
asked from another host than the site's domain gave other links, which
cannot be told now). Posts in no feed yet, drafts and scheduled ones, get a
new identity of their own, as new posts do. The column is unique in the
next migration, once every row has its own."""

import uuid

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def keep_the_guids_readers_have(apps, schema_editor):
    Post = apps.get_model("posts", "Post")
    Site = apps.get_model("sites", "Site")
    site = Site.objects.filter(pk=settings.SITE_ID).first()
    domain = settings.SITE_DOMAIN.strip() or (site.domain if site else "")
    posts = list(Post.objects.only("slug", "status", "published_at"))
    for post in posts:
        live = post.status == "published" and post.published_at is not None and post.published_at <= timezone.now()
        # The address posts:detail gave, frozen here: what the feeds' links were.
        post.feed_id = f"{settings.SITE_SCHEME}://{domain}/posts/{post.slug}/" if live else f"urn:uuid:{uuid.uuid4()}"
    Post.objects.bulk_update(posts, ["feed_id"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("posts", "0028_heading_ids_of_their_own"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="feed_id",
            field=models.CharField(editable=False, max_length=500, null=True, verbose_name="feed ID"),
        ),
        migrations.RunPython(keep_the_guids_readers_have, migrations.RunPython.noop),
    ]
