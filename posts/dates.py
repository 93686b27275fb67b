"""Dates written the way the templates' ``date`` filter writes them, for the
parts of pages rendered in Python (posts/templatetags/cards.py and
comment_thread.py), and a ``<time datetime>``'s value (``iso``).

The filter converts to the site's time zone first (``expects_localtime``);
so do these. They skip the filter's format parser: a list of fifty comments
formats a hundred dates.
"""

from datetime import datetime

from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3


def local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def iso(value: datetime) -> str:
    """``{{ value|date:"c" }}`` to the second: what a ``<time datetime>``
    holds. The filter writes microseconds, as stored; HTML allows three
    decimals of a second at most (``{{ value|iso }}`` in templates, from
    ``cards``)."""
    return local(value).isoformat(timespec="seconds")


def day(value: datetime) -> str:
    """``{{ value|date:"j M Y" }}``"""
    value = local(value)
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year}"


def day_and_time(value: datetime) -> str:
    """``{{ value|date:"j M Y, H:i" }}``"""
    return f"{day(value)}, {local(value):%H:%M}"


def month(value: datetime) -> str:
    """``{{ value|date:"F Y" }}``"""
    value = local(value)
    return f"{MONTHS[value.month]} {value.year}"
