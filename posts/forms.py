import re

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.text import normalize_newlines
from django_comments_xtd.forms import XtdCommentForm
from django_comments_xtd.models import XtdComment

from .comment_format import HINT

# django-contrib-comments' form allows a longer email (320) and URL (no limit)
# than its model stores (254 and 200): on PostgreSQL a longer one was a 500.
COLUMN_OF = {"name": "user_name", "email": "user_email", "url": "user_url"}

# The blank lines a comment opens with (spaces and tabs on them too), and
# the up to three spaces before a first line that is no indented code
# (Markdown ignores them; four, or a tab, make it code).
LEADING_BLANK_LINES = re.compile(r"\A(?:[^\S\n]*\n)+")
LEADING_SPACES = re.compile(r"\A {1,3}(?=\S)")


class TypedText(forms.CharField):
    """Text typed in a textarea, its line breaks counted and stored as one
    character ("\n"), as the textarea's ``maxlength`` counts them.

    Browsers send each line break as "\r\n" (HTML form submission), which
    counted as two: a text the browser had let through was refused as too
    long (found by QA: a comment of 2,994 characters "has 3065"). Text
    stored with "\r\n" before is no change when the form sends it back."""

    widget = forms.Textarea

    def to_python(self, value):
        return super().to_python(normalize_newlines(value) if isinstance(value, str) else value)

    def has_changed(self, initial, data) -> bool:
        return super().has_changed(normalize_newlines(initial) if isinstance(initial, str) else initial, data)


class CommentText(TypedText):
    """A comment's text, as readers' and moderators' forms take it: without
    the blank lines around it, its first line's indentation kept where it
    makes code (CharField strips the text whole, which took the four spaces
    that make a comment opening with indented code a code block), at most
    ``COMMENT_MAX_LENGTH`` with a line break one. Trimmed before validation,
    so nothing but blanks is still "required" and the length counts what is
    kept."""

    def __init__(self, **kwargs):
        super().__init__(strip=False, **{"max_length": settings.COMMENT_MAX_LENGTH} | kwargs)

    def to_python(self, value):
        return LEADING_SPACES.sub("", LEADING_BLANK_LINES.sub("", super().to_python(value))).rstrip()


FOLLOWUP_HINT = "If your email address has not confirmed before, an email will first ask you to confirm it."


class CommentForm(XtdCommentForm):
    """django-comments-xtd's form with proper input types, labels and hints."""

    comment = CommentText(label="Comment")

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            # The account supplies name and email; an account without an
            # email can still comment (it just gets no follow-up emails).
            self.fields["email"].required = False
        limit = settings.COMMENT_MAX_LENGTH
        self.fields["name"].widget = forms.TextInput(attrs={"autocomplete": "name", "maxlength": 50})
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["email"].help_text = "Never shown; used only if you ask to hear about new comments."
        self.fields["url"].widget = forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"})
        self.fields["comment"].widget = forms.Textarea(attrs={"rows": 6, "maxlength": limit})
        self.fields["comment"].help_text = f"{HINT}. Up to {limit} characters."
        # What the followers' emails are about (posts.notifications.notify_followers):
        # every new comment on the post, as django-comments-xtd's follow-up is.
        self.fields["followup"].label = "Email me about new comments on this post"
        if not signed_in:
            # Anyone can type any address: it confirms first (posts.followups).
            # The page is cached for everyone signed out, so it cannot know
            # whether the address has; the comment's page says (comments.html).
            self.fields["followup"].help_text = FOLLOWUP_HINT
        for name, column in COLUMN_OF.items():
            limit = XtdComment._meta.get_field(column).max_length
            field = self.fields[name]
            if field.max_length is None or field.max_length > limit:
                field.max_length = limit
                field.validators.append(MaxLengthValidator(limit))
            field.widget.attrs["maxlength"] = limit

    def clean_honeypot(self):
        # A filled honeypot does not reject the form: the comment is kept as
        # spam with the reason "honeypot", so a moderator can see and undo it.
        return self.cleaned_data.get("honeypot", "")


class SubscribeForm(forms.Form):
    """An email address, and a honeypot field that people never see."""

    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "placeholder": "you@example.com"}),
        error_messages={"required": "Please enter your email address.", "invalid": "This is not an email address."},
    )
    # Filled in only by bots that fill every field: see subscription_views.subscribe.
    honeypot = forms.CharField(required=False)
