"""Date archives: every year and month with posts, and the posts of each.

Addresses are ``/archive/2026/`` and ``/archive/2026/03/``; the converters
accept only four-digit years and two-digit months, so anything else is a 404
before a view runs. A month or year without posts is a real page that says
so (and points at the nearest months that have some), marked ``noindex``.
"""

from datetime import date, datetime, timedelta

from django.views.generic import TemplateView

from .discovery import archive_months, archive_years, month_bounds, neighbouring_months, year_bounds
from .models import Post
from .views import PublishedPostListView


class YearConverter:
    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    regex = "0[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):02d}"


class ArchiveIndexView(TemplateView):
    """Every month with published posts, grouped by year."""

    template_name = "posts/archive_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(years=archive_years(), **kwargs)


class PeriodMixin:
    """A list of the posts published in a period ``[start, end)``."""

    period_end: datetime

    def newest_possible(self) -> datetime:
        # The period ends before ``end`` (exclusive), or now if that is earlier.
        return min(super().newest_possible(), self.period_end - timedelta(microseconds=1))


class YearArchiveView(PeriodMixin, PublishedPostListView):
    template_name = "posts/archive_year.html"

    def get_queryset(self):
        start, self.period_end = year_bounds(self.kwargs["year"])
        return super().get_queryset().filter(published_at__gte=start, published_at__lt=self.period_end)

    def get_context_data(self, **kwargs):
        year = self.kwargs["year"]
        months = archive_months(year)
        count = sum(entry.count for entry in months)  # "N articles published in …", without a query of its own
        return super().get_context_data(year=year, months=months, post_count=count, **kwargs)


class MonthArchiveView(PeriodMixin, PublishedPostListView):
    template_name = "posts/archive_month.html"

    def get_queryset(self):
        self.bounds = month_bounds(self.kwargs["year"], self.kwargs["month"])
        start, end = self.bounds
        self.period_end = end
        return super().get_queryset().filter(published_at__gte=start, published_at__lt=end)

    def get_context_data(self, **kwargs):
        older, newer = neighbouring_months(*self.bounds)
        month = date(self.kwargs["year"], self.kwargs["month"], 1)
        start, end = self.bounds
        count = Post.objects.published().filter(published_at__gte=start, published_at__lt=end).count()
        return super().get_context_data(month=month, older_month=older, newer_month=newer, post_count=count, **kwargs)
