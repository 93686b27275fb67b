"""The post form in the admin: publishing rules, tag autocomplete, kept
uploads; and what it shares with the page form about bodies."""

from django import forms
from django.contrib import admin
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from authors.roles import may_edit_profile
from skolr_blog.admin_site import SafeAutocompleteSelectMultiple, SafeModelMultipleChoiceField
from skolr_blog.staged_uploads import KeepsUploads

from .authoring_models import PreviewLink, SlugRedirect, TagProfile
from .embeds import left_out
from .forms import TypedText
from .html import image_hosts_elsewhere
from .models import Post, validate_canonical_url
from .revisions import saved_since
from .tagging import (
    as_existing_tags,
    tag_description,
    tag_name_problem,
    tags_for,
    takes_old_tag_address,
    typed_tag_names,
    unseen_tag_names,
)

# Search engines show about this much of a title and a description.
TITLE_LIMIT = 90
EXCERPT_LIMIT = 160


class OpenedVersion(forms.CharField):
    """The ``updated_at`` a change form was opened at, sent back hidden. It
    is no change of the post or page: a save with nothing else changed adds
    no revision."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


class BodyForm(forms.ModelForm):
    """What the post and page forms say and check about a body, and the
    save over someone else's later save they refuse."""

    # The post's or page's updated_at when this form was shown: a save over
    # someone else's later save is refused (see clean_opened_version).
    opened_version = OpenedVersion()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["opened_version"] = self.instance.updated_at.isoformat()
        if "slug" in self.fields:
            # The admin fills the slug in from the title's letters A–Z and
            # digits only: a title in another script ("日本語の記事") left it
            # empty, and the form said no more than "This field is required."
            required = (
                f"Give the {self._meta.model._meta.verbose_name} an address: lower-case letters a–z, digits and "
                "hyphens, e.g. “python-web-frameworks”."
            )
            if self.is_bound and not slugify(self.data.get(self.add_prefix("title"), "")):
                required += " It is made from the title's letters a–z and digits, and this title has none."
            self.fields["slug"].error_messages["required"] = required
        if "body" in self.fields:
            self.fields["body"].help_text = (
                "To show a YouTube or Vimeo video, paste its address on a line of its own; "
                "readers start it with a click."
            )

    def clean_opened_version(self):
        opened = self.cleaned_data.get("opened_version") or ""
        if opened and self.instance.pk and (problem := saved_since(self.instance, opened)):
            self.add_error(None, problem)
        return opened

    def clean_slug(self):
        """An address kept by something in the trash says so, rather than
        Django's "already exists" about a post or page this list hides (and
        an author cannot see, if it is someone else's)."""
        # Lower case, as the slugs the form suggests and imports make: "About"
        # beside "about" was a second page at an address differing only in
        # capitals (found by QA).
        slug = self.cleaned_data["slug"].lower()
        model = self._meta.model
        if model.objects.in_trash().filter(slug=slug).exclude(pk=self.instance.pk).exists():
            name = model._meta.verbose_name
            raise forms.ValidationError(
                f"“{slug}” is the address of a {name} in the trash: choose another slug, or restore that {name} "
                f"and rename it, or delete it for good, to use the address here."
            )
        return slug

    def clean_body(self):
        """Images come from this blog: the pages' Content-Security-Policy
        (img-src 'self') has readers' browsers refuse any other site's, so an
        image linked from elsewhere would show as broken to every reader.
        And what the sanitizer would take out unseen (an image pasted as
        data, a map's frame: HTML pasted with the editor's source view, or
        sent without the editor) is refused with what it is, not lost on
        save: the form comes back with the body as it was sent."""
        body = self.cleaned_data.get("body") or ""
        if lost := left_out(body):
            raise forms.ValidationError(
                f"The body has {'; '.join(lost)}. It would be lost on saving: upload images under “Images for "
                "the body” below and insert them from there, paste a video's address on a line of its own, and "
                "link to anything else."
            )
        if elsewhere := image_hosts_elsewhere(body):
            raise forms.ValidationError(
                f"An image in the body is on another site ({', '.join(elsewhere)}), which readers' browsers "
                "will not load. Upload it under “Images for the body” below and use its address instead."
            )
        return body


class PostAdminForm(KeepsUploads, BodyForm):
    tags = SafeModelMultipleChoiceField(queryset=Tag.objects.all(), required=False)
    new_tags = forms.CharField(
        required=False,
        help_text="Tags that do not exist yet, separated by commas. “Django” and “django” are the same tag.",
    )

    class Meta:
        model = Post
        fields = [
            "title", "slug", "author", "excerpt", "body", "thumbnail", "thumbnail_alt",
            "status", "published_at", "featured", "allow_comments", "comment_days",
            "meta_title", "meta_description", "canonical_url", "noindex",
        ]  # fmt: skip
        widgets = {"meta_description": forms.Textarea(attrs={"rows": 2})}
        # Line breaks counted as the textareas' maxlength counts them.
        field_classes = {"excerpt": TypedText, "meta_description": TypedText}
        error_messages = {
            "meta_title": {
                "max_length": "Keep the meta title to %(limit_value)d characters so search results show it whole "
                "(it has %(show_value)d).",
            },
            "meta_description": {
                "max_length": "Keep the meta description to %(limit_value)d characters so search results show it "
                "whole (it has %(show_value)d).",
            },
            # A malformed address (the model's validator words the rest the same way).
            "canonical_url": {"invalid": validate_canonical_url.message},
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.author_id is None and user is not None and not user.has_perm("posts.edit_all_posts"):
            # An author's new post is theirs (the admin shows the field
            # read-only and signs it on save): know it now, so the publishing
            # rules check this author's bio and photo on the first save too.
            self.instance.author = getattr(user, "author", None)
        tags = self.fields["tags"]
        if user is not None:
            # Neither chosen by id nor named in the widget: a tag only on
            # another author's draft is theirs to tell.
            tags.queryset = tags_for(user)
        tags.widget = SafeAutocompleteSelectMultiple(Post._meta.get_field("tags"), admin.site)
        tags.widget.choices = tags.choices
        if self.instance.pk:
            self.initial["tags"] = list(self.instance.tags.all())
        if user is not None and not user.has_perm("posts.publish_post") and "status" in self.fields:
            allowed = {Post.Status.DRAFT, Post.Status.REVIEW}
            if self.instance.status == Post.Status.PUBLISHED:
                allowed.add(Post.Status.PUBLISHED)  # may keep editing a live post
            self.fields["status"].choices = [c for c in Post.Status.choices if c[0] in allowed]
            self.fields["status"].help_text = "Submit for review when it is ready; an editor publishes it."

    def clean_meta_description(self):
        return " ".join(self.cleaned_data["meta_description"].split())  # one line, as search results show it

    def clean_slug(self):
        """An author may not take another post's old address (nor, as on
        pages, one of the trash's, ``BodyForm.clean_slug``).

        A renamed post's old slug redirects to it (SlugRedirect), and a post
        that takes the slug ends the redirect once published: another
        author's inbound links would lead to this post instead. Editors may
        still reuse an address, and whoever edits the post then may keep it.
        """
        slug = super().clean_slug()
        if self.user is None or self.user.has_perm("posts.edit_all_posts"):
            return slug
        if self.instance.pk is not None and slug == self.instance.slug:
            return slug  # the post's own address (the instance is as stored until the form is cleaned)
        if SlugRedirect.objects.filter(old_slug=slug).exclude(post=self.instance.pk).exists():
            raise forms.ValidationError(
                f"“{slug}” is an old address of another post and still redirects to it: choose another slug."
            )
        return slug

    def clean_new_tags(self):
        value = self.cleaned_data.get("new_tags") or ""
        names = typed_tag_names(value)
        problems = [problem for name in names if (problem := tag_name_problem(name))]
        if not problems and self.user is not None:
            # Not the other author's tag, spelled their way: only what was typed.
            problems = [
                f"“{name}” cannot be a new tag: a tag of that name or address is on posts you cannot see yet. "
                "Choose another name, or ask an editor to add it."
                for name in unseen_tag_names(self.user, names)
            ]
        if not problems:
            # A name that is a tag already is that tag; a new one must not end
            # the redirect of another tag's old address.
            problems = [
                f"“{name}” cannot be a new tag: its address is an old address of another tag and still "
                "redirects to it. Choose another name, or ask an editor."
                for name in names
                if takes_old_tag_address(self.user, Tag().slugify(name))
                and not Tag.objects.filter(name__iexact=name).exists()
            ]
        if problems:
            raise forms.ValidationError(problems)
        return value

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Post.Status.PUBLISHED and self.user is not None and not self.user.has_perm("posts.publish_post"):
            self._check_may_keep_published()
        if status == Post.Status.PUBLISHED:
            self._check_ready_to_publish(cleaned)
        return cleaned

    def _check_may_keep_published(self) -> None:
        """Without publishing rights, an author keeps a post as published
        only as it was: they may edit a live post, or an editor's scheduled
        one, but not publish it, nor move its publish date. Moved to a time
        to come, a live post goes offline until then; moved to now, it is
        new again, first on the home page and mailed to the subscribers
        (found by QA: both were open to any author)."""
        saved = Post.objects.filter(pk=self.instance.pk).values("status", "published_at").first()
        if saved is None or saved["status"] != Post.Status.PUBLISHED:
            self.add_error(
                "status", "You may submit this post for review; an editor with publishing rights publishes it."
            )
        elif "published_at" in self.changed_data:
            if saved["published_at"] > timezone.now():
                said = "An editor scheduled this post: changing the publish date of a post not yet live "
                said += "needs publishing rights."
            else:
                said = "This post is live: changing its publish date needs publishing rights (a date to come "
                said += "takes it offline until then, a new one shows it again as new)."
            self.add_error("published_at", said)

    def _check_ready_to_publish(self, cleaned) -> None:
        """A post goes live only complete; drafts may be saved in any state."""
        title = cleaned.get("title") or ""
        if len(title) > TITLE_LIMIT:
            self.add_error(
                "title",
                f"Keep the title to {TITLE_LIMIT} characters so search results show it whole (it has {len(title)}).",
            )
        excerpt = (cleaned.get("excerpt") or "").strip()
        if not excerpt:
            self.add_error("excerpt", "Write an excerpt before publishing: lists, feeds and search results show it.")
        elif len(excerpt) > EXCERPT_LIMIT:
            self.add_error(
                "excerpt",
                f"Keep the excerpt to {EXCERPT_LIMIT} characters for search snippets (it has {len(excerpt)}).",
            )
        if not cleaned.get("thumbnail"):
            self.add_error("thumbnail", "Add a thumbnail before publishing.")
        if not (cleaned.get("thumbnail_alt") or "").strip():
            self.add_error("thumbnail_alt", "Describe the thumbnail (alt text) before publishing.")
        if not cleaned.get("tags") and not typed_tag_names(cleaned.get("new_tags") or ""):
            self.add_error("new_tags", "Give the post at least one tag before publishing.")
        author = cleaned.get("author") or (self.instance.author if self.instance.author_id else None)
        if author is not None:
            for problem in incomplete_profile(author, self.user):
                self.add_error(None, problem)
        if cleaned.get("published_at") is None:
            cleaned["published_at"] = timezone.now().replace(microsecond=0)  # publishing now, to the second

    def save_tags(self, post: Post) -> None:
        """Set the chosen tags plus any new ones.

        Two authors creating the same new tag at the same moment race on the
        tag's unique name: the loser retries once and finds the winner's tag.
        """
        names = [tag.name for tag in self.cleaned_data.get("tags") or []]
        names += as_existing_tags(typed_tag_names(self.cleaned_data.get("new_tags") or ""))
        for attempt in range(2):
            try:
                with transaction.atomic():
                    post.tags.set(names)
                return
            except IntegrityError:
                if attempt:
                    raise


def incomplete_profile(author, user, role: str = "author") -> list[str]:
    """Why ``author`` may not yet sign a published post: the article shows an
    author card for each of its authors, co-authors too, with their bio and
    photo. Says who can fill the profile in: its author (their own), or an
    administrator; editors only view authors' profiles, and an author edits
    only their own (``may_edit_profile``)."""
    may_edit = may_edit_profile(user, author)
    fix = "add one to their profile" if may_edit else f"ask {author} (or an administrator) to add one"
    missing = [what for what, there in (("bio", author.bio.strip()), ("photo", author.photo)) if not there]
    return [f"The {role} {author} has no {what} yet: {fix} before publishing." for what in missing]


class TagAdminForm(forms.ModelForm):
    """Taggit's tag form, with a slug that fits the tag pages' addresses and
    the tag's description (kept in ``TagProfile``, saved with the tag)."""

    description = TypedText(
        required=False,
        max_length=TagProfile._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=TagProfile._meta.get_field("description").help_text,
    )

    class Meta:
        model = Tag
        fields = ["name", "slug"]
        help_texts = {"slug": "The tag page's address: letters A–Z, digits, hyphens and underscores."}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["description"].initial = tag_description(self.instance)

    def clean_description(self):
        return " ".join(self.cleaned_data["description"].split())  # one paragraph, as the page shows it

    def _save_m2m(self):
        # Called once the tag is saved (the admin saves it, then its relations).
        super()._save_m2m()
        TagProfile.objects.update_or_create(
            tag=self.instance, defaults={"description": self.cleaned_data["description"]}
        )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        # The site treats "Django" and "django" as one tag (TAGGIT_CASE_INSENSITIVE).
        if Tag.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(f"A tag named “{name}” exists already (tags ignore case).")
        return name

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        validate_slug(slug)  # ASCII: taggit's own field would take any letter, which no URL here matches
        if takes_old_tag_address(self.user, slug, self.instance):
            raise forms.ValidationError(
                f"“{slug}” is an old address of another tag and still redirects to it: choose another slug."
            )
        return slug


class PreviewLinkForm(forms.ModelForm):
    revoke = forms.BooleanField(required=False, help_text="Stop this link working now.")

    class Meta:
        model = PreviewLink
        fields = ["expires_at"]

    def has_changed(self) -> bool:
        # The inline has no blank rows: a new one is there because the user
        # clicked "Add another", and its default expiry is a choice like
        # any other. Django skips an extra form left at its initial values.
        return self.instance.pk is None or super().has_changed()

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now() and "expires_at" in self.changed_data:
            raise forms.ValidationError("This time has passed: the link would never work. Choose a later one.")
        return expires_at

    def save(self, commit=True):
        if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
            self.instance.revoked_at = timezone.now()
        return super().save(commit)


class CoAuthorFormSet(forms.BaseInlineFormSet):
    """The post form's co-authors: each once (the database's unique
    constraint, which Django's own check words), and never the primary
    author, who is named first already; on a post being published, each
    with the bio and photo its author needs (``incomplete_profile``). The
    post is the one being saved, its author and status as the form sent
    them: the admin builds these forms on the post form's result."""

    user = None  # who saves: ``CoAuthorInline.get_formset`` sets it

    def clean(self):
        super().clean()
        primary = self.instance.author if self.instance.author_id else None
        publishing = self.instance.status == Post.Status.PUBLISHED
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            if primary is not None and form.cleaned_data.get("author") == primary:
                form.add_error(
                    "author",
                    f"{primary} is the post's author already: choose someone else, or make them the author "
                    "and another co-author.",
                )
            # The row's author as chosen; a row shown read-only (to a
            # co-author) keeps the one it has.
            elif publishing and form.instance.author_id is not None:
                for problem in incomplete_profile(form.instance.author, self.user, "co-author"):
                    form.add_error(None, problem)
