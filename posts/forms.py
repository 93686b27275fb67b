from django import forms
from django.conf import settings
from django_comments_xtd.forms import XtdCommentForm


class CommentForm(XtdCommentForm):
    """django-comments-xtd's form with proper input types, labels and hints."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.COMMENT_MAX_LENGTH
        self.fields["name"].widget = forms.TextInput(attrs={"autocomplete": "name", "maxlength": 50})
        self.fields["email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["email"].help_text = "Never shown; used only if you ask to hear about replies."
        self.fields["url"].widget = forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"})
        self.fields["comment"].widget = forms.Textarea(attrs={"rows": 6, "maxlength": limit})
        self.fields["comment"].help_text = f"Plain text, up to {limit} characters."
        self.fields["followup"].label = "Email me when someone replies"
