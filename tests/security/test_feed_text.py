"""Feeds carry excerpts as text, not as markup.

Found by the hostile-input tests: an RSS ``description`` and an Atom
``summary type="html"`` are rendered as HTML by feed readers, but the feed
put the plain-text excerpt there as it was, so an excerpt such as
``<img src=x onerror=…>`` became live markup in every reader that does not
sanitize (and "Use <table> for data" lost its word in those that do).
"""

import xml.etree.ElementTree as ET
from html import unescape

import pytest

from tests.factories import make_post
from tests.security.hostile import unsafe_in_feed

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
HOSTILE = "Why <img src=x onerror=alert(1)> & <b>tables</b> matter"


def summaries(client) -> list[str]:
    rss = ET.fromstring(client.get("/feed/").content)
    atom = ET.fromstring(client.get("/feed/atom/").content)
    return [item.findtext("description") for item in rss.iter("item")] + [
        entry.findtext("atom:summary", namespaces=ATOM) for entry in atom.iterfind("atom:entry", ATOM)
    ]


def test_an_excerpt_reaches_feed_readers_as_the_words_written(client):
    make_post(excerpt=HOSTILE)
    for html in summaries(client):
        assert unescape(html) == HOSTILE  # a reader rendering the HTML shows exactly the excerpt
    assert unsafe_in_feed(client.get("/feed/").content) == []
    assert unsafe_in_feed(client.get("/feed/atom/").content) == []


def test_without_an_excerpt_the_body_text_is_escaped_too(client):
    make_post(excerpt="", body="<p>&lt;script&gt;alert(1)&lt;/script&gt; is shown, not run.</p>")
    for html in summaries(client):
        assert html == "&lt;script&gt;alert(1)&lt;/script&gt; is shown, not run."
