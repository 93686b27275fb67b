"""Anything readers can see changed: retire every cached page (after commit).

Saves and deletes arrive here; the moderation code, which changes
``is_public`` with ``update()``, calls ``content_changed()`` itself. A page
also shows in the menus of every other page, which each process keeps
(``posts.menus``): a saved or deleted page retires those too.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django_comments_xtd.models import XtdComment
from taggit.models import Tag

from authors.models import Author
from skolr_blog.page_cache import content_changed

from .menus import menus_changed
from .models import ChangeNote, Page, PageSlugRedirect, Post, SlugRedirect, TaggedPost, TagProfile


def _changed(sender, **kwargs) -> None:
    content_changed()


def _page_changed(sender, **kwargs) -> None:
    menus_changed()
    content_changed()


for model in (Post, TaggedPost, Tag, TagProfile, Author, XtdComment, ChangeNote, SlugRedirect, PageSlugRedirect):
    post_save.connect(_changed, sender=model, dispatch_uid=f"pages-save-{model.__name__}")
    post_delete.connect(_changed, sender=model, dispatch_uid=f"pages-delete-{model.__name__}")
m2m_changed.connect(_changed, sender=TaggedPost, dispatch_uid="pages-tags")
post_save.connect(_page_changed, sender=Page, dispatch_uid="pages-save-Page")
post_delete.connect(_page_changed, sender=Page, dispatch_uid="pages-delete-Page")
