"""A tiny HTTP reader for the production tests: cookies and HTML forms.

The servers under test are other processes, so Django's test client cannot
reach them. Cookies are kept per host (not per port, as browsers do), which
is what makes one session usable on every app server.
"""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    text: str
    url: str

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Reader:
    """One reader: a cookie jar, optionally shared with another ``Reader``."""

    def __init__(self, jar: http.cookiejar.CookieJar | None = None):
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url: str, data: list[tuple[str, str]] | None = None, headers: dict | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, _headers(response), response.read().decode(errors="replace"), url)
        except urllib.error.HTTPError as error:
            return Page(error.code, _headers(error), error.read().decode(errors="replace"), url)

    def get(self, url: str, **headers: str) -> Page:
        return self.request(url, headers=headers)

    def post(self, url: str, data: list[tuple[str, str]]) -> Page:
        return self.request(url, data=data)

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.jar if cookie.name == name), None)


def _headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


class _FormParser(HTMLParser):
    """What a browser would submit from the form with ``form_id``."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
            return
        if not self.inside or a.get("disabled") is not None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._multiple, self._options = name, "multiple" in a, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:
                chosen = [self._options[0][0]]  # a browser submits the first option
            self.fields += [(self._select, value) for value in (chosen if self._multiple else chosen[:1])]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    parser = _FormParser(form_id)
    parser.feed(html)
    if not parser.fields:
        raise AssertionError(f"no form with id {form_id!r} (or it has no fields)")
    return parser.fields


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """The fields with some values changed (or added)."""
    out = [(name, values.get(name, value)) for name, value in fields]
    out += [(name, value) for name, value in values.items() if name not in dict(fields)]
    return out
