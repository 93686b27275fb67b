"""Code blocks keep what the author wrote: stored as plain text with their
newlines, coloured only on the public page, never given a guessed language."""

import html
import re

import pytest
from django.conf import settings

from posts.models import Post
from posts.search import plain_text
from tests.factories import admin_post_form, make_post

pytestmark = pytest.mark.django_db

CODE = "import math\nx = math.sqrt(2)\nprint(x)"
PYTHON_BLOCK = f'<pre><code class="language-python">{CODE}</code></pre>'
# How bodies were stored before: highlighted on save, spans between the lines.
HIGHLIGHTED = (
    '<pre class="code"><code class="language-python"><span class="kn">import</span><span class="w"> </span>'
    '<span class="nn">math</span>\n<span class="n">x</span> <span class="o">=</span> <span class="n">math</span>'
    '<span class="o">.</span><span class="n">sqrt</span><span class="p">(</span><span class="mi">2</span>'
    '<span class="p">)</span>\n<span class="nb">print</span><span class="p">(</span><span class="n">x</span>'
    '<span class="p">)</span></code></pre>'
)


def form_body(client, post) -> str:
    """The body the admin's change form hands the editor."""
    page = client.get(f"/admin/posts/post/{post.pk}/change/").content.decode()
    return html.unescape(re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL).group(1))


def test_code_block_survives_save_reload_and_save_again(client, writer):
    client.post("/admin/posts/post/add/", admin_post_form(body=f"<p>Roots:</p>{PYTHON_BLOCK}"))
    post = Post.objects.get(slug="fresh-draft")
    assert post.body == f"<p>Roots:</p>{PYTHON_BLOCK}"  # no spans, newlines intact

    reloaded = form_body(client, post)
    assert PYTHON_BLOCK in reloaded
    client.post(f"/admin/posts/post/{post.pk}/change/", admin_post_form(body=reloaded))
    post.refresh_from_db()
    assert post.body == f"<p>Roots:</p>{PYTHON_BLOCK}"
    assert plain_text(post.body) == "Roots: import math x = math.sqrt(2) print(x)"


def test_public_page_colours_a_chosen_language_and_shows_others_plain(client):
    post = make_post(body=f"{PYTHON_BLOCK}<pre><code>{CODE}\nif a &lt; b: pass</code></pre>")
    page = client.get(post.get_absolute_url()).content.decode()
    assert '<pre class="code"><code class="language-python"><span class="kn">import</span>' in page
    assert f'<pre class="code"><code>{CODE}\nif a &lt; b: pass</code></pre>' in page  # no guess
    assert page.count("language-") == 1
    assert "<span" not in post.body


def test_highlighted_bodies_are_cleaned_back_to_plain_text():
    """An old revision restored, or a content file, may still hold spans."""
    post = make_post(body=HIGHLIGHTED.replace("language-python", "language-no-such-language"))
    assert post.body == f"<pre><code>{CODE}</code></pre>"
    post = make_post(body=HIGHLIGHTED, slug="kept")
    assert post.body == PYTHON_BLOCK


# Reading the stylesheet: its rules, at the top level or in a group rule.
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
BRACE = re.compile(r"[{}]")
GROUP_RULES = ("@media", "@supports", "@container", "@layer")
DARK = "@media (prefers-color-scheme: dark)"


def css_rules(css: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The style rules of ``css`` by the group rule they are in ("" at the
    top level), each as (selector, {property: value}), in order."""
    css = CSS_COMMENT.sub("", css)
    rules: dict[str, list] = {}
    groups: list[str] = []
    start = 0
    while brace := BRACE.search(css, start):
        prelude = " ".join(css[start : brace.start()].split())
        if brace[0] == "}":
            groups.pop()  # the end of a group rule
            start = brace.end()
        elif prelude.startswith(GROUP_RULES):
            groups.append(prelude)
            start = brace.end()
        else:
            end = css.index("}", brace.end())
            parts = (part.partition(":") for part in css[brace.end() : end].split(";"))
            declarations = {name.strip(): value.strip() for name, _, value in parts if value.strip()}
            rules.setdefault(" ".join(groups), []).append((prelude, declarations))
            start = end + 1
    assert not groups, "unbalanced braces"
    return rules


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a "#rgb" or "#rrggbb" colour."""
    digits = colour.removeprefix("#")
    assert re.fullmatch(r"[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}", digits), f"not a colour this test reads: {colour}"
    if len(digits) == 3:
        digits = "".join(digit * 2 for digit in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted([luminance(one), luminance(other)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_colour_of_highlighted_code_reads_at_wcag_aa_contrast_in_both_schemes():
    """Found by QA (axe, color-contrast): 29 of the light scheme's token
    colours fell short of WCAG AA's 4.5:1 on the code block's white (comments
    2.9:1, numbers 3.2:1). Each token's colour in each scheme, as the cascade
    gives it (the dark rules override the light ones they name, the others
    apply still), against its own background or else the code block's."""
    rules = css_rules((settings.BASE_DIR / "static/css/site.css").read_text())
    variables = {
        "light": {k: v for selector, d in rules[""] if selector == ":root" for k, v in d.items()},
        "dark": {k: v for selector, d in rules[DARK] if selector == ":root" for k, v in d.items()},
    }
    variables["dark"] = variables["light"] | variables["dark"]

    def resolve(value: str, scheme: str) -> str:
        used = re.fullmatch(r"var\((--[\w-]+)\)", value)
        return variables[scheme][used[1]] if used else value

    blocks = {selector: d for selector, d in rules[""] if selector in {".prose pre", ".comment-body pre"}}
    assert len(blocks) == 2  # code in posts and in comments
    tokens = {"light": {}, "dark": {}}
    for scheme, at_rules in {"light": [""], "dark": ["", DARK]}.items():
        for at_rule in at_rules:
            for selector, declarations in rules.get(at_rule, []):
                if token := re.fullmatch(r"pre\.code \.(\w+)", selector):
                    tokens[scheme].setdefault(token[1], {}).update(declarations)
    assert len(tokens["light"]) > 40 and len(tokens["dark"]) > 40  # the rules were read

    failing = []
    for scheme, styles in tokens.items():
        for block, block_style in blocks.items():
            background = resolve(block_style["background"], scheme)
            styles = styles | {"(plain text)": {"color": variables[scheme]["--text"]}}
            for token, style in styles.items():
                if "color" not in style:
                    continue
                colour, behind = (
                    resolve(style["color"], scheme),
                    resolve(style.get("background-color", background), scheme),
                )
                if (ratio := contrast(colour, behind)) < 4.5:
                    failing.append(f"{scheme} {block} .{token}: {colour} on {behind}, {ratio:.2f}:1")
    assert failing == []
