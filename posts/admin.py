from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.db import transaction
from django.db.models import F
from django.forms import Script
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django_comments_xtd.models import XtdComment
from simple_history.utils import bulk_update_with_history
from taggit.models import Tag

from authors.models import Author
from skolr_blog.admin_site import fits
from skolr_blog.page_cache import content_changed
from skolr_blog.staged_uploads import KeepsUploadsAdmin

from . import dates, editorial_mail, revisions
from .admin_forms import CoAuthorFormSet, PostAdminForm, PreviewLinkForm, TagAdminForm
from .body_image_admin import BodyImageInline, BodyImageUploadAdmin
from .comments import comments_for
from .duplicate import DuplicatesPosts
from .models import ChangeNote, CoAuthor, CoAuthorList, Post, PostImage, PreviewLink
from .notifications import absolute_url
from .pagination import DeferredJoinPaginator
from .preview_changes import PreviewsPostChanges
from .search_models import SearchDocument
from .tagging import tags_for
from .trash_admin import TrashAdmin, TrashStateFilter


class StateFilter(TrashStateFilter):
    """Draft, in review, scheduled or published: what an editor asks first.
    Posts in the trash are listed only under "In the trash"."""

    states = [
        ("draft", "Draft"),
        ("review", "Submitted for review"),
        ("scheduled", "Scheduled"),
        ("published", "Published"),
    ]

    def narrow(self, queryset, value):
        now = timezone.now()
        return {
            "draft": queryset.filter(status=Post.Status.DRAFT),
            "review": queryset.filter(status=Post.Status.REVIEW),
            "scheduled": queryset.filter(status=Post.Status.PUBLISHED, published_at__gt=now),
            "published": queryset.filter(status=Post.Status.PUBLISHED, published_at__lte=now),
        }.get(value, queryset)


class AuthorFilter(admin.SimpleListFilter):
    """The posts an author signs, as their author or a co-author
    (``PostQuerySet.by``): Django's filter on the foreign key left out the
    posts they co-wrote, which their page, their feed and the dashboard's
    counts include. The parameter is that filter's, so links to it (the
    dashboard's) keep working."""

    title = "author or co-author"
    parameter_name = "author__id__exact"

    def lookups(self, request, model_admin):
        return Author.objects.order_by("name", "pk").values_list("pk", "name")

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not fits(Author._meta.pk, value):
            raise IncorrectLookupParameters(f"No author with the id {value!r}.")
        return queryset.by(Author(pk=int(value)))  # co_writes not known: the posts they co-wrote too


class PostImageInline(BodyImageInline):
    model = PostImage


class ChangeNoteInline(admin.TabularInline):
    model = ChangeNote
    extra = 0
    fields = ["note", "created_at"]
    verbose_name_plural = "public change notes (listed at the bottom of the post)"


class CoAuthorInline(admin.TabularInline):
    """Who signs the post besides its author, in order.

    A co-author edits the post as its author does (``Post.is_written_by``),
    but who signs it is for its primary author and editors to decide: to a
    co-author this list is read-only, and Django's admin saves nothing of
    an inline the user may not add to or change, whatever is posted."""

    model = CoAuthor
    formset = CoAuthorFormSet
    extra = 0
    fields = ["author", "position"]
    verbose_name_plural = "co-authors (named after the author, by position; they may edit the post too)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            # Every author, not the authors' admin list (an author sees only
            # their own profile there, so its autocomplete offers nobody
            # else): names, which author pages show anyway, and what the
            # publishing check reads of a chosen one (its account, bio and
            # photo: ``incomplete_profile``), read with it, not one by one.
            kwargs["queryset"] = Author.objects.only("name", "user_id", "bio", "photo").order_by("name", "pk")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"user": request.user})  # whom its messages address

    def _may_sign(self, request, post) -> bool:
        """Editors, and the post's primary author (a new post is its author's)."""
        user = request.user
        return user.has_perm("posts.edit_all_posts") or post is None or post.author.user_id == user.pk

    def has_add_permission(self, request, obj=None) -> bool:
        return self._may_sign(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._may_sign(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._may_sign(request, obj) and super().has_delete_permission(request, obj)


class PreviewLinkInline(admin.TabularInline):
    model = PreviewLink
    form = PreviewLinkForm
    extra = 0
    fields = ["link", "expires_at", "state", "revoke"]
    readonly_fields = ["link", "state"]
    verbose_name_plural = "secret preview links (anyone with the link can read the draft until it expires)"

    @admin.display(description="link")
    def link(self, preview: PreviewLink) -> str:
        if not preview.pk:
            return "Save to create the link"
        # The whole address, to copy into a message to the reviewer.
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">{0}</a>', absolute_url(preview.get_preview_url())
        )

    @admin.display(description="state")
    def state(self, preview: PreviewLink) -> str:
        if not preview.pk:
            return "—"
        if preview.revoked_at:
            return "Revoked"
        if not preview.is_usable:
            return "Expired"
        return "Paused while the post is in the trash" if preview.post.in_trash else "Active"


@admin.register(Post)
class PostAdmin(
    DuplicatesPosts, PreviewsPostChanges, BodyImageUploadAdmin, KeepsUploadsAdmin, TrashAdmin, revisions.RevisionsAdmin
):
    not_found_because = "it may be another author's (authors open their own posts), or it was deleted"
    form = PostAdminForm

    class Media:
        # Asks before leaving with unsaved changes; keeps a copy of them in the browser.
        js = ["js/admin_unsaved.js", Script("js/admin_autosave.js", defer=True)]
        css = {"all": ["css/admin_posts.css"]}  # the list's columns

    # The list fits 1280 pixels with the admin's menu and the filters open (631
    # pixels for the table), the title readable: a featured post says so under
    # its state (the filter still finds them), the dates take two lines, and
    # an author's list has no author column (get_list_display). The title was
    # squeezed to 90 pixels, and whether comments were open off the screen.
    list_display = ["title", "author", "state", "publish_date", "updated", "comments_open"]
    list_filter = [StateFilter, "featured", AuthorFilter, "allow_comments", "tags"]
    actions = ["feature", "unfeature", "duplicate_selected", "move_to_trash", "restore_from_trash"]
    list_select_related = ["author"]
    paginator = DeferredJoinPaginator
    # Drafts and posts in review (no publish date) first, then newest: what
    # needs work is on top, on SQLite as on PostgreSQL (which disagree on
    # where a descending order puts NULLs). The ordering index matches.
    ordering = [F("published_at").desc(nulls_first=True), "-pk"]
    search_fields = ["title", "excerpt", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["author"]
    readonly_fields = ["created_at", "updated_at", "content_updated_at", "preview"]
    inlines = [CoAuthorInline, PostImageInline, ChangeNoteInline, PreviewLinkInline]
    history_list_display = ["status"]
    compared_fields = revisions.COMPARED_FIELDS
    restored_fields = revisions.RESTORED_FIELDS
    kept_fields = revisions.PUBLISHING_FIELDS
    fieldsets = [
        (None, {"fields": ["title", "slug", "author", "excerpt", "body", "preview", "opened_version"]}),
        ("Thumbnail", {"fields": ["thumbnail", "thumbnail_alt"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "featured", "tags", "new_tags", "allow_comments", "comment_days"]},
        ),
        (
            "Search and social",
            {
                "fields": ["meta_title", "meta_description", "canonical_url", "noindex"],
                "classes": ["collapse"],
                "description": "How search engines and link previews (Facebook, LinkedIn, X…) show the post. "
                "Leave empty to use the post's title, excerpt and address.",
            },
        ),
        ("History", {"fields": ["created_at", "updated_at", "content_updated_at"], "classes": ["collapse"]}),
    ]

    # The trash (posts.trash_admin): "Delete" moves a post there, with its
    # comments counted on the way; only there is it deleted for good.
    trash_list_display = ["title", "author", "trashed_at", "deleted_for_good_on"]

    def get_deleted_objects(self, objs, request):
        """What deleting for good takes, as Django lists it, without the
        search index's copy of each post: a row nobody sees, which the
        confirmation listed as "Search documents: 1" (found by QA)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        counts.pop(SearchDocument._meta.verbose_name_plural, None)
        internal = f"{capfirst(SearchDocument._meta.verbose_name)}: "
        return _without(deleted, internal), counts, perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        post = self.get_object(request, unquote(object_id))
        comments = comments_for(post, public_only=False).count() if post is not None else 0
        return super().delete_view(request, object_id, (extra_context or {}) | {"comment_count": comments})

    def trashed_message(self, items) -> str:
        return (
            super().trashed_message(items).removesuffix(".")
            + f", {'its' if len(items) == 1 else 'their'} comments too."
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return RequestForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("author").prefetch_related("tags")
        if request.user.has_perm("posts.edit_all_posts"):
            return queryset
        # Authors see and change only their own posts, and those they co-write.
        return queryset.written_by_user(request.user)

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if request.user.has_perm("posts.edit_all_posts"):
            return shown
        if CoAuthor.objects.filter(author__user=request.user).exists():
            return shown  # some of their posts are signed first by someone else
        return [name for name in shown if name != "author"]  # an author lists only their own posts

    def get_list_filter(self, request):
        if request.user.has_perm("posts.edit_all_posts"):
            return self.list_filter
        # An author sees only their own posts: a filter by author has
        # nothing to choose, and the tag filter would list every tag,
        # other people's drafts' included.
        return [StateFilter, "featured", "allow_comments", ("tags", admin.RelatedOnlyFieldListFilter)]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(self.readonly_fields)
        if not request.user.has_perm("posts.edit_all_posts"):
            # An author signs only their own posts; a co-author may not make
            # the post someone else's either (``CoAuthorInline``).
            readonly.append("author")
        if not self.has_publish_permission(request):
            # What the home page leads with is an editor's call, like publishing.
            readonly.append("featured")
        return readonly

    def has_publish_permission(self, request) -> bool:
        """May publish, and so feature posts (the "Feature" actions ask this)."""
        return request.user.has_perm("posts.publish_post")

    @admin.action(description="Feature the selected posts on the home page", permissions=["publish"])
    def feature(self, request, queryset):
        self._set_featured(request, queryset, True)

    @admin.action(description="Stop featuring the selected posts", permissions=["publish"])
    def unfeature(self, request, queryset):
        self._set_featured(request, queryset, False)

    def _set_featured(self, request, queryset, featured: bool) -> None:
        """Feature or unfeature the selected posts the user may change.

        Saved in bulk with a revision each (who, when), and with a new
        ``updated_at``, so an editor who had one of these posts open cannot
        save it back over the change unawares (``revisions.saved_since``).
        A bulk update sends no ``post_save``: the page cache is retired here.
        """
        selected = queryset.count()
        posts = list(queryset.filter(featured=not featured).prefetch_related(None))
        now = timezone.now()
        for post in posts:
            post.featured, post.updated_at = featured, now
        with transaction.atomic():
            bulk_update_with_history(
                posts,
                Post,
                ["featured", "updated_at"],
                default_user=request.user,
                default_change_reason="Featured" if featured else "No longer featured",
                default_date=now,  # dated as the save (revisions.saved_since)
            )
            if posts:
                content_changed()
        done = "Featured" if featured else "Stopped featuring"
        already = selected - len(posts)
        message = f"{done} {len(posts)} post{'' if len(posts) == 1 else 's'}."
        if already:
            state = "featured already" if featured else "not featured"
            message += f" {already} {'was' if already == 1 else 'were'} {state}."
        self.message_user(request, message, messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        can_sign = request.user.has_perm("posts.edit_all_posts") or hasattr(request.user, "author")
        return can_sign and super().has_add_permission(request)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.has_perm("posts.edit_all_posts"):
            obj.author = request.user.author
        if obj.status == Post.Status.PUBLISHED and obj.published_at is None:
            # To the second, as the form shows it: else the next save "changes"
            # the date (its microseconds) in the post's history.
            obj.published_at = timezone.now().replace(microsecond=0)
        # The status as stored, for the notices sent once the co-authors
        # are saved too (save_related).
        form.status_before = Post.objects.filter(pk=obj.pk).values_list("status", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        if obj.is_scheduled:
            when = date_format(timezone.localtime(obj.published_at), "j F Y, H:i T")
            messages.info(request, f"“{obj}” is scheduled: it goes live on {when}, with nothing more to do.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        form.save_tags(form.instance)
        self.tell_who_should_know(request, form.instance, form.status_before)

    def tell_who_should_know(self, request, post: Post, before: str | None) -> None:
        """Who should hear about the save (after commit): the editors of a
        post newly in review, the authors of a post someone else published or
        sent back to draft. Once the inlines are saved: a co-author added in
        the save that publishes the post is one of its authors (the primary
        author publishing with a new co-author told no one before).

        Subscribers: Post.save() itself has the post mailed when it goes live
        (subscriptions.post_went_live), as it does for load_posts and the
        shell; these emails name who acted, so only the admin sends them."""
        post.__dict__.pop(CoAuthorList.cache_name, None)  # as saved now, not as the form was checked
        if post.status != before and post.status == Post.Status.REVIEW:
            editorial_mail.post_submitted(post, request.user)
        elif post.status != before and post.status == Post.Status.PUBLISHED:
            editorial_mail.post_published(post, request.user)
        elif before == Post.Status.REVIEW and post.status == Post.Status.DRAFT:
            editorial_mail.post_returned(post, request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, PreviewLink) and instance.created_by_id is None:
                instance.created_by = request.user
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()  # also lets go of uploads kept from a refused try

    @admin.display(description="State", ordering="status")
    def state(self, post: Post) -> str:
        if post.in_trash:
            state = "In the trash"
        elif post.is_published:
            state = "Published"
        elif post.is_scheduled:
            state = "Scheduled"
        else:
            state = post.get_status_display()
        return format_html("{}<br><small>Featured</small>", state) if post.featured else state

    @admin.display(description="Publish date", ordering="published_at")
    def publish_date(self, post: Post) -> str | None:
        return self._day_and_time(post.published_at)

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, post: Post) -> str:
        return self._day_and_time(post.updated_at)

    @staticmethod
    def _day_and_time(moment) -> str | None:
        """'7 Dec 2026, 15:31', the time on a line of its own where the column is narrow."""
        if moment is None:
            return None  # the list's "-"
        return format_html('<span class="nowrap">{},</span> {}', dates.day(moment), f"{dates.local(moment):%H:%M}")

    @admin.display(description="Comments open", boolean=True, ordering="allow_comments")
    def comments_open(self, post: Post) -> bool:
        return post.allow_comments

    @admin.display(description="Preview")
    def preview(self, post: Post) -> str:
        if not post.pk:
            return "Save the post to preview it."
        # After a refused save the form's instance holds what was typed (a
        # "published" status, another slug): describe the post as saved.
        saved = Post.objects.only("slug", "status", "published_at", "trashed_at").get(pk=post.pk)
        if saved.in_trash:
            return "In the trash: restore it to preview it."
        label = "View the published post" if saved.is_published else "Preview as readers will see it"
        return format_html('<a href="{}" target="_blank" rel="noopener">{} ↗</a>', saved.get_absolute_url(), label)


admin.site.unregister(Tag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    form = TagAdminForm
    list_display = ["name", "slug", "post_count"]
    ordering = ["name"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # Also what the post form's tag autocomplete searches.
        return tags_for(request.user).order_by(*self.get_ordering(request))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return RequestForm

    @admin.display(description="Posts", ordering="post_count")
    def post_count(self, tag) -> int:
        return tag.post_count


# django-comments-xtd registers its own comment admin; the blog's replaces it.
admin.site.unregister(XtdComment)


def _without(listed: list, prefix: str) -> list:
    """Django's nested list of what a deletion takes, without the items
    (strings) starting with ``prefix``."""
    return [
        _without(item, prefix) if isinstance(item, list) else item
        for item in listed
        if not str(item).startswith(prefix)
    ]


from . import comment_admin, media_admin, page_admin, redirect_admin, subscription_admin  # noqa: E402, F401
