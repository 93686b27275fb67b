"""``manage.py shell``, without the revisions' history tables among the names
it imports by itself.

django-simple-history names a page's history model after the ``posts``
package (the model lives in ``posts.page_models``, not ``posts.models``), so
Django's shell could not import it and opened every session with "1 object
could not be automatically imported: posts.HistoricalPage". Nobody works
with history rows by hand; they stay importable by their module.
"""

from django.core.management.commands.shell import Command as ShellCommand


class Command(ShellCommand):
    def get_auto_imports(self):
        return [path for path in super().get_auto_imports() if not path.rsplit(".", 1)[-1].startswith("Historical")]
