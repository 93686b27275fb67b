"""Revisions of pages (django-simple-history), as posts have.

Each page already written gets a first revision, the page as it is now,
dated by its last change: the history of a page edited after this starts
with what it said before, which an editor can then restore.
"""

import django.db.models.deletion
import posts.page_models
import simple_history.models
from django.conf import settings
from django.db import migrations, models

# Every field the revisions keep (all but updated_at, whose time is the revision's date).
REVISED_FIELDS = [
    "id", "title", "slug", "description", "body", "published", "show_in_header", "show_in_footer", "menu_order",
    "created_at",
]  # fmt: skip


def first_revisions(apps, schema_editor):
    db = schema_editor.connection.alias
    Page, HistoricalPage = apps.get_model("posts", "Page"), apps.get_model("posts", "HistoricalPage")
    HistoricalPage.objects.using(db).bulk_create(
        HistoricalPage(
            **{name: getattr(page, name) for name in REVISED_FIELDS},
            history_date=page.updated_at,
            history_type="+",
        )
        for page in Page.objects.using(db).iterator()
    )



class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0021_page_old_slugs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalPage',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('title', models.CharField(max_length=200)),
                ('slug', models.SlugField(help_text="The page's address: /slug/. Filled in from the title.", max_length=200, validators=[posts.page_models.validate_page_slug])),
                ('description', models.CharField(blank=True, help_text='One or two sentences for search engines and link previews (the first 160 characters). Empty: the start of the page.', max_length=300)),
                ('body', models.TextField(blank=True)),
                ('published', models.BooleanField(default=False, help_text='Readers see the page only when this is ticked; until then it is a draft.')),
                ('show_in_header', models.BooleanField(default=False, verbose_name='in the header menu')),
                ('show_in_footer', models.BooleanField(default=False, verbose_name='in the footer')),
                ('menu_order', models.PositiveSmallIntegerField(default=0, help_text="Menus list their pages from the lowest number up (then by title), after the blog's own links in the header.", verbose_name='menu position')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical page',
                'verbose_name_plural': 'historical pages',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(first_revisions, migrations.RunPython.noop, elidable=True),
    ]
