from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.forms import Script
from django.urls import reverse
from django.utils.html import format_html

from posts.models import Post, signed_count
from skolr_blog.staged_uploads import KeepsUploadsAdmin, UploadKeepingForm

from .models import Author


class OwnProfileForm(UploadKeepingForm):
    """The author's own profile, with the email address of their account.

    Authors have no access to the user admin, yet that address is where
    their comment emails and password reset links go: they keep it up to
    date here. Only on their own profile (``AuthorAdmin.get_form``): the
    form changes the account the profile belongs to, which is the signed-in
    user's own, never another's.
    """

    account_email = forms.EmailField(
        label="email address of my account",
        required=False,
        max_length=get_user_model()._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Where comment emails and password reset links are sent. Never shown on the blog.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = self.instance.user
        self.fields["account_email"].initial = self.account.email

    def clean_account_email(self) -> str:
        email = self.cleaned_data["account_email"].strip()
        if not email and self.account.email:
            raise forms.ValidationError("Your account needs an email address: password reset links are sent to it.")
        email = get_user_model().objects.normalize_email(email)
        # One account per address, whatever the case: a reset link for
        # "Ann@school.org" must not also reach another account's owner.
        others = get_user_model().objects.filter(email__iexact=email).exclude(pk=self.account.pk)
        if email and others.exists():
            raise forms.ValidationError("Another account uses this email address.")
        return email

    def save_account(self) -> None:
        if self.cleaned_data["account_email"] != self.account.email:
            self.account.email = self.cleaned_data["account_email"]
            self.account.save(update_fields=["email"])


@admin.register(Author)
class AuthorAdmin(KeepsUploadsAdmin, admin.ModelAdmin):
    form = UploadKeepingForm
    not_found_because = "it may be another author's profile (authors open their own), or it was deleted"

    class Media:
        # Asks before leaving with unsaved changes; keeps a copy of them in the browser.
        js = ["js/admin_unsaved.js", Script("js/admin_autosave.js", defer=True)]

    list_display = ["name", "slug", "user", "published_count", "post_count"]
    list_select_related = ["user"]
    search_fields = ["name", "bio", "expertise"]
    # Explicit: the post count's GROUP BY drops the model's default ordering,
    # and the autocomplete pages through this list.
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "user", "photo"]}),
        ("Profile", {"fields": ["bio", "expertise"]}),
        ("Links", {"fields": ["website", "linkedin", "x", "github", "mastodon"]}),
        ("Notifications", {"fields": ["comment_notifications"]}),
    ]

    def _own_profile(self, request, obj) -> bool:
        return obj is not None and obj.user_id is not None and obj.user_id == request.user.pk

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.is_superuser:
            # The account as text: Django links a read-only user to its
            # page in the admin, which only administrators may open (a 403).
            fieldsets = [
                (name, {**options, "fields": ["account" if field == "user" else field for field in options["fields"]]})
                for name, options in fieldsets
            ]
        if self._own_profile(request, obj):
            fieldsets = [*fieldsets, ("My account", {"fields": ["account_email", "password"]})]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if self._own_profile(request, obj):
            kwargs["form"] = OwnProfileForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Who a profile belongs to is the site administrator's decision.
        readonly = [] if request.user.is_superuser else ["account", "slug"]
        return [*readonly, "password"] if self._own_profile(request, obj) else readonly

    @admin.display(description="user")
    def account(self, author: Author) -> str:
        return author.user.get_username() if author.user_id else "—"

    @admin.display(description="password")
    def password(self, author: Author) -> str:
        return format_html('<a href="{}">Change my password</a>', reverse("admin:password_change"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if isinstance(form, OwnProfileForm):
            form.save_account()

    def get_queryset(self, request):
        # As readers count them (the authors' page): co-written posts too; the
        # trash, which is on its way out, not.
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                published_count=signed_count(Post.objects.published()),
                post_count=signed_count(Post.objects.outside_trash()),
            )
        )
        # Whoever may edit every post (editors, superusers) signs posts for
        # any author, so must see them all: the post form's author
        # autocomplete reads this queryset. Not authors.view_author, which
        # authors hold too: an author sees and edits only their own profile.
        if request.user.has_perm("posts.edit_all_posts"):
            return queryset
        return queryset.filter(user=request.user)

    def get_prepopulated_fields(self, request, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    @admin.display(description="Published", ordering="published_count")
    def published_count(self, author: Author) -> int:
        return author.published_count

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, author: Author) -> int:
        """Drafts, posts in review and scheduled ones included."""
        return author.post_count
