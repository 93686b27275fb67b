from django import forms
from django.conf import settings
from django_comments_xtd.forms import XtdCommentForm


class CommentForm(XtdCommentForm):
    """django-comments-xtd's form with proper input types, labels and hints."""

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            # The account supplies name and email; an account without an
            # email can still comment (it just gets no follow-up emails).
            self.fields["email"].required = False
        limit = settings.COMMENT_MAX_LENGTH
        self.fields["name"].widget = forms.TextInput(attrs={"autocomplete": "name", "maxlength": 50})
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["email"].help_text = "Never shown; used only if you ask to hear about replies."
        self.fields["url"].widget = forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"})
        self.fields["comment"].widget = forms.Textarea(attrs={"rows": 6, "maxlength": limit})
        self.fields["comment"].help_text = f"Plain text, up to {limit} characters."
        self.fields["followup"].label = "Email me when someone replies"

    def clean_honeypot(self):
        # A filled honeypot does not reject the form: the comment is kept as
        # spam with the reason "honeypot", so a moderator can see and undo it.
        return self.cleaned_data.get("honeypot", "")
