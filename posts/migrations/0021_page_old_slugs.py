"""A renamed page's old addresses, which redirect to it (``PageSlugRedirect``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('posts', '0020_comment_body'),
    ]

    operations = [
        migrations.CreateModel(
            name='PageSlugRedirect',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('old_slug', models.SlugField(max_length=200, unique=True)),
                ('page', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='old_slugs', to='posts.page')),
            ],
            options={
                'abstract': False,
            },
        ),
    ]
