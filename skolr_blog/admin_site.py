"""The admin site: every model admin on it refuses odd input with a 4xx.

The project's rule is that a malformed URL or query string is a 400 or 404,
never a 500, and the admin is no exception. Django's admin already turns a
lookup it cannot build into a redirect to ``?e=1`` ("wacky lookup
parameters", ``IncorrectLookupParameters``), but only errors raised while the
filter is *built*. A value the database cannot take is only found when the
query *runs*: SQLite cannot bind an integer of 20 digits (``OverflowError``),
PostgreSQL refuses a NUL character or a broken regular expression
(``DataError``) and its driver an IP address that is not one (``ValueError``).

Each model admin on this site, ours and those of django-comments-xtd,
django-contrib-comments, taggit, axes and the rest, gets ``AdminInputGuard``
mixed in when it is registered, so no admin is left out, including one added
later.
"""

import logging
from contextlib import nullcontext
from datetime import UTC, datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin import options as admin_options
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, router, transaction
from django.db.models import DateField, DateTimeField, Field, TimeField
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

logger = logging.getLogger(__name__)

# Lookups whose value the database runs as a program: an unbalanced "(" is an
# error in the database (SQLite reports it only as "user-defined function
# raised exception", which no handler can tell from a bug). The admin never
# writes them; only a hand-made query string can.
REFUSED_LOOKUPS = {"regex", "iregex"}


def fits(field: Field, value) -> bool:
    """Whether ``value`` is one ``field``'s column can hold: ``"abc"`` is not
    an id, nor is a number past the column's integer range. A relation is
    judged by the field it points to."""
    while field.is_relation and getattr(field, "target_field", None) is not None:
        field = field.target_field
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class StorableSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time field, refusing a moment no database can
    hold: one that falls past the year 9999, or before the year 1, in UTC.

    The form reads the date and time in the site's time zone, and the
    database stores them in UTC: 31/12/9999 at 23:00, a preview link
    "that never expires" on a site west of UTC, is in the year 10000 there.
    SQLite's driver failed on saving it (``OverflowError``, a 500, what was
    typed lost); PostgreSQL stored it, and then every read of the row
    failed (``DataError``), the post's change page with it. The same with
    a change note dated 01/01/0001 east of UTC, shown under the article.
    """

    def compress(self, data_list):
        value = super().compress(data_list)
        if value is not None:
            try:
                value.astimezone(UTC)
            except OverflowError:
                raise ValidationError(
                    "Choose a date from the year 1 to 9999: in UTC, as the blog stores it, this one is outside them.",
                    code="out_of_range",
                ) from None
        return value


class ValidChoicesOnly:
    """An autocomplete widget that shows only values that can be ids.

    Django's widget looks up whatever value it is given, to show its label: a
    hand-edited ``tags=abc`` in a post, or ``?author=abc`` on the add page,
    raised ``ValueError`` there (and 20 digits ``OverflowError`` on SQLite),
    after the form had already refused the value with a message.
    """

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        to_field = opts.get_field(getattr(remote, "field_name", None) or opts.pk.name)
        return super().optgroups(name, [v for v in value if fits(to_field, v)], attr)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing a chosen id the database cannot take as it refuses
    any other that is no choice ("Select a valid choice").

    Django checks each value is one the id's field takes (``"abc"`` is "not
    a valid value"), but not its range, and then looks them all up at once
    (``pk__in``, which Django does not trim to the column's range as it does
    an ``=``): a hand-edited ``tags=`` of 20 digits in a post form was an
    ``OverflowError`` on SQLite, a 500. A single choice
    (``ModelChoiceField``) looks its value up with ``=``, and is refused
    already.
    """

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for each in value if isinstance(value, list | tuple) else ():
            try:
                key.to_python(each)
            except (ValidationError, TypeError, ValueError):
                continue  # not an id at all: Django's own check says so
            if not fits(key, each):
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": each}
                )
        return super()._check_values(value)


class SafeAutocompleteSelect(ValidChoicesOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(ValidChoicesOnly, AutocompleteSelectMultiple):
    pass


# Characters of an admin search (a list's box, an autocomplete) worth running.
MAX_SEARCH = 1000


class AdminInputGuard:
    """What every model admin on the site does with input it cannot use."""

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.rpartition("__")[2] in REFUSED_LOOKUPS:
            return False  # a 400, like any lookup the admin does not allow
        return super().lookup_allowed(lookup, value, request)

    def get_changelist_instance(self, request):
        """The list, or ``IncorrectLookupParameters`` (the admin's redirect to
        ``?e=1``) when the database cannot run the query string's filters.

        The list counts its rows here, so the query runs inside this call.
        Only a request with a query string is answered so: the same error on
        the plain list is a bug and stays a 500. In a transaction (a test's,
        or a view's), a savepoint keeps PostgreSQL's refusal from aborting it.
        """
        if not set(request.GET) - {ERROR_FLAG}:
            return super().get_changelist_instance(request)
        connection = transaction.get_connection(router.db_for_read(self.model))
        try:
            with transaction.atomic(using=connection.alias) if connection.in_atomic_block else nullcontext():
                return super().get_changelist_instance(request)
        except (OverflowError, DataError, ValueError) as error:
            # ValueError: PostgreSQL's driver checks an address filter
            # (?ip_address=abc) only when the query runs.
            logger.warning("The admin list %s could not run its query string: %s", request.path, error)
            raise IncorrectLookupParameters(error) from error

    def get_search_results(self, request, queryset, search_term):
        """Nothing, for a search holding a NUL character: no text the blog
        stores has one (its forms refuse it, PostgreSQL cannot store it).

        PostgreSQL refuses the query itself (``DataError``): the admin's
        autocomplete, which searches this way as someone types into a
        post's author or tags, was a 500 there; SQLite ran it and found
        nothing, and now both say so. (A list's search box refuses a NUL
        before searching, with Django's "Null characters are not allowed.")
        Nor for one longer than anything worth searching for: SQLite refuses
        a LIKE pattern over 50,000 characters ("pattern too complex"), a 500
        where a server lets such a request through (``runserver``).
        """
        if "\x00" in search_term or len(search_term) > MAX_SEARCH:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset, **kwargs):
        """Refuse (400) a list action whose selected ids cannot be ids.

        The admin filters the list by the ticked checkboxes' values as sent:
        ``_selected_action=abc`` raised ``ValueError`` and 20 digits
        ``OverflowError`` on SQLite, a 500 on every action of every list
        (delete, feature, approve…). Only a hand-made request sends them.
        """
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(fits(self.model._meta.pk, value) for value in selected):
            return HttpResponseBadRequest("The selected items are not ones this list shows.")
        return super().response_action(request, queryset, **kwargs)

    def get_changeform_initial_data(self, request):
        """The add form's values from the query string (``?title=…``), a
        date or time read as one, or left out when it is not one.

        Django hands them to the widgets as the strings they are; a date
        and time's widget takes only a date and time: ``?published_at=…``
        on the add page of posts was a 500 whatever the value.
        """
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, DateField | TimeField) and isinstance(value, str):
                try:
                    parsed = field.to_python(value)
                except ValidationError:
                    parsed = None
                if isinstance(parsed, datetime) and timezone.is_naive(parsed) and settings.USE_TZ:
                    parsed = timezone.make_aware(parsed)
                if parsed is None:
                    del initial[name]
                else:
                    initial[name] = parsed
        return initial

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """The list, saying the object cannot be opened and why that may be.

        Django's own ("doesn’t exist. Perhaps it was deleted?", then the
        admin's home) misled an author who opened another author's post: it
        exists, and is not theirs to open. The list is where they were. An
        admin that shows each user only their own says why in
        ``not_found_because`` (this class is mixed in first, so it reads it
        rather than defining it). Django's hook for every object page:
        change, delete and history.
        """
        self.message_user(
            request,
            f"There is no {opts.verbose_name} with ID “{unquote(object_id)}” that you can open: "
            f"{getattr(self, 'not_found_because', 'it may have been deleted')}.",
            messages.WARNING,
        )
        if self.has_view_or_change_permission(request):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name)
        else:
            url = reverse("admin:index", current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def get_object(self, request, object_id, from_field=None):
        # Django answers "not found" for an id that is not a number; a number
        # SQLite cannot bind (OverflowError) is not one either. (Posts escaped
        # this by luck: their id is a plain integer field, which Django checks
        # against its range; a comment's id is the link to its parent table.)
        try:
            return super().get_object(request, object_id, from_field)
        except OverflowError:
            return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class BlogAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as usual, with ``AdminInputGuard`` mixed into the admin
        class (the class keeps its name, so messages and checks read the same)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AdminInputGuard):
            admin_class = type(
                admin_class.__name__,
                (AdminInputGuard, admin_class),
                {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        """The home page, with the work waiting for this person above the models (``posts.dashboard``)."""
        from posts.dashboard import dashboard

        context = {"dashboard": dashboard(request.user)}
        return super().index(request, context | (extra_context or {}))


class BlogAdminConfig(AdminConfig):
    """``django.contrib.admin`` with ``BlogAdminSite`` as ``admin.site``."""

    default_site = "skolr_blog.admin_site.BlogAdminSite"

    def ready(self):
        # Every admin form's date and time field, inlines' included (they
        # are not registered, so AdminInputGuard never sees them): the
        # defaults each admin copies when it is made, so before the
        # admin modules are imported.
        admin_options.FORMFIELD_FOR_DBFIELD_DEFAULTS[DateTimeField]["form_class"] = StorableSplitDateTimeField
        super().ready()
