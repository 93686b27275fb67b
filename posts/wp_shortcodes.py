"""WordPress shortcodes in an imported body.

WordPress stores a body with its shortcodes (``[gallery ids="4,5"]``,
``[code lang="python"]…[/code]``, ``[embed]…[/embed]``) and expands them
each time it shows the post, by plugin code that does not come along: left
as they are, readers here would see the brackets, and a code sample would
lose its lines to the paragraphs around it. The common ones become what this
blog's editor holds:

- code (SyntaxHighlighter Evolved's ``[code]`` and ``[sourcecode]``, and its
  brushes' names: ``[python]``…) becomes a code block in that language;
- ``[embed]URL[/embed]``, Jetpack's ``[youtube URL]`` and ``[vimeo ID]``
  become the address alone in a paragraph, as a link: a YouTube or Vimeo one
  is a player here (``posts.embeds``);
- ``[video]`` and ``[audio]`` become a link to the file, which stays on the
  old site (the summary names it);
- ``[gallery]`` becomes a figure per image, found in the export's media
  library (its ``ids``, else the images attached to the post), which the
  import then downloads like any other image of the body.

Any other shortcode with attributes or a closing tag (``[contact-form-7
id="5"]``) stays as text, and the summary names it with its post, for an
editor to replace. ``[caption]`` is the importer's own (``prepare_body``).

This runs before the body is wrapped in paragraphs (``importers.autop``),
which leaves code blocks alone.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# SyntaxHighlighter Evolved's brushes, by the names and aliases authors type
# as shortcodes, and the language each is here ("" for plain text).
BRUSHES = {
    "as3": "actionscript", "actionscript3": "actionscript", "bash": "bash", "shell": "bash", "sh": "bash",
    "c": "c", "cpp": "cpp", "csharp": "csharp", "c-sharp": "csharp", "cs": "csharp", "css": "css",
    "delphi": "delphi", "pascal": "pascal", "diff": "diff", "patch": "diff", "erlang": "erlang",
    "go": "go", "golang": "go", "groovy": "groovy", "haskell": "haskell", "java": "java",
    "javascript": "javascript", "js": "javascript", "jscript": "javascript", "json": "json",
    "kotlin": "kotlin", "latex": "latex", "tex": "latex", "matlab": "matlab", "objc": "objectivec",
    "perl": "perl", "pl": "perl", "php": "php", "plain": "", "text": "", "powershell": "powershell",
    "ps": "powershell", "python": "python", "py": "python", "r": "r", "ruby": "ruby", "rails": "ruby",
    "rb": "ruby", "rust": "rust", "scala": "scala", "sql": "sql", "swift": "swift", "ts": "typescript",
    "typescript": "typescript", "vb": "vbnet", "vbnet": "vbnet", "xml": "xml", "html": "html",
    "xhtml": "html", "xslt": "xml", "yaml": "yaml", "yml": "yaml",
}  # fmt: skip

_CODE = re.compile(
    r"\[(?P<name>code|sourcecode|" + "|".join(sorted(map(re.escape, BRUSHES), key=len, reverse=True)) + r")"
    r"(?P<attrs>\s[^\]]*)?\](?P<code>.*?)\[/(?P=name)\]",
    re.IGNORECASE | re.DOTALL,
)
_ATTRIBUTE = re.compile(r"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\]]+))")
_EMBED = re.compile(r"\[embed\b[^\]]*\](.*?)\[/embed\]", re.IGNORECASE | re.DOTALL)
_JETPACK_VIDEO = re.compile(r"\[(youtube|vimeo)(?:=|\s+)([^\]\s]+)[^\]]*\]", re.IGNORECASE)
_MEDIA = re.compile(r"\[(video|audio)\b(?P<attrs>[^\]]*)\](?:.*?\[/\1\])?", re.IGNORECASE | re.DOTALL)
_GALLERY = re.compile(r"\[gallery\b(?P<attrs>[^\]]*)\]", re.IGNORECASE)
_PRE = re.compile(r"<pre\b.*?</pre>", re.IGNORECASE | re.DOTALL)
# What is left and surely a shortcode: a name with attributes, or a closing tag.
_LEFT = re.compile(r"\[(?:/([a-z][\w-]*)\]|([a-z][\w-]*)\s+[\w-]+\s*=)", re.IGNORECASE)
_MEDIA_SOURCES = ("src", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "m4a", "ogg", "wav", "wma")
_IMAGE = re.compile(r"\.(?:jpe?g|png|gif|webp)(?:\?.*)?$", re.IGNORECASE)
_LANGUAGE = re.compile(r"[a-z0-9+#-]{1,30}")


@dataclass
class MediaLibrary:
    """What an export's ``attachment`` items say: each one's address and alt
    text by id, and the ids attached to each post or page."""

    items: dict[str, tuple[str, str]] = field(default_factory=dict)
    attached: dict[str, list[str]] = field(default_factory=dict)


def _attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): next(v for v in m.groups()[1:] if v is not None) for m in _ATTRIBUTE.finditer(text or "")}


def _link_paragraph(url: str) -> str:
    url = html.escape(url, quote=True)
    return f'\n\n<p><a href="{url}">{url}</a></p>\n\n'


def _web_address(value: str) -> str:
    value = html.unescape(value.strip())
    return value if re.match(r"https?://[^\s<>\"]+$", value) else ""


def _code_block(match: re.Match, restore: Callable[[str], str]) -> str:
    """A code shortcode as a code block; ``restore`` puts back what was set
    aside in its text (HTML shown as code: it is escaped with the rest)."""
    name = match["name"].lower()
    attributes = _attributes(match["attrs"])
    if name in ("code", "sourcecode"):
        typed = (attributes.get("language") or attributes.get("lang") or "").lower()
        language = BRUSHES.get(typed, typed)
    else:
        language = BRUSHES[name]
    code = html.escape(html.unescape(restore(match["code"]).strip("\r\n")), quote=False)
    css = f' class="language-{language}"' if language and _LANGUAGE.fullmatch(language) else ""
    return f"\n\n<pre><code{css}>{code}</code></pre>\n\n"


def expander(library: MediaLibrary, key: str, what: str, notes: list[str]) -> Callable[[str], str]:
    """The function ``importers.prepare_body`` calls on the body of the post
    or page ``key`` (``what`` names it in ``notes``)."""

    def gallery(match: re.Match) -> str:
        attributes = _attributes(match["attrs"])
        listed = attributes.get("ids") or attributes.get("include") or ""
        ids = [i.strip() for i in listed.split(",") if i.strip()]
        if not ids:  # the images attached to the post (not its PDFs)
            ids = [i for i in library.attached.get(key, []) if _IMAGE.search(library.items[i][0])]
        figures, missing = [], []
        for ident in ids:
            url, alt = library.items.get(ident, ("", ""))
            if not _web_address(url) or not _IMAGE.search(url):
                missing.append(ident)
                continue
            figures.append(f'<figure><img src="{html.escape(url)}" alt="{html.escape(alt)}"></figure>')
        if missing:
            notes.append(f"{what}: gallery images not in the file (attachments {', '.join(missing)}).")
        return "\n\n" + "\n\n".join(figures) + "\n\n" if figures else ""

    def media(match: re.Match) -> str:
        attributes = _attributes(match["attrs"])
        url = next((u for name in _MEDIA_SOURCES if (u := _web_address(attributes.get(name, "")))), "")
        if not url:
            return match[0]
        notes.append(f"{what}: its {match[1].lower()} file stays on the old site, linked: {url}")
        return _link_paragraph(url)

    def embed(match: re.Match) -> str:
        url = _web_address(match[1])
        return _link_paragraph(url) if url else match[0]

    def jetpack_video(match: re.Match) -> str:
        value = html.unescape(match[2])
        if match[1].lower() == "vimeo" and value.isdigit():
            value = f"https://vimeo.com/{value}"
        url = _web_address(value)
        return _link_paragraph(url) if url else match[0]

    def expand(body: str) -> str:
        if "[" not in body:
            return body
        # Code is kept as written, shortcodes shown in it included (a
        # tutorial about WordPress): each code block, made from a shortcode
        # or already in the body, is set aside while the others expand.
        blocks: list[str] = []

        def set_aside(match: re.Match) -> str:
            blocks.append(match[0])
            return f"\x00{len(blocks) - 1}\x00"

        def restore(text: str) -> str:
            return re.sub(r"\x00(\d+)\x00", lambda match: blocks[int(match[1])], text)

        body = _PRE.sub(set_aside, body)  # the body's own code blocks
        body = _CODE.sub(lambda match: _code_block(match, restore), body)
        body = _PRE.sub(set_aside, body)  # and those just made
        body = _EMBED.sub(embed, body)
        body = _JETPACK_VIDEO.sub(jetpack_video, body)
        body = _MEDIA.sub(media, body)
        body = _GALLERY.sub(gallery, body)
        left = {(m[1] or m[2]).lower() for m in _LEFT.finditer(body) if (m[1] or m[2]).lower() != "caption"}
        body = restore(body)
        if left:
            names = ", ".join(f"[{name}]" for name in sorted(left))
            notes.append(f"{what}: shortcodes with no equivalent here, left as text: {names}.")
        return body

    return expand
