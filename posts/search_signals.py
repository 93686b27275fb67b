"""Keep the search index current (connected in ``PostsConfig.ready``).

A post's row is rewritten when the post is saved and when its tags change
(taggit sends ``m2m_changed`` for add/remove/set/clear), and the rows of
every post wearing a tag when that tag is renamed or deleted. Deleting a post
deletes its row through the relation's ``on_delete=CASCADE``.
"""

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag

from .models import Post, TaggedPost
from .search import index_post, index_posts


@receiver(post_save, sender=Post, dispatch_uid="posts.search.post_saved")
def post_saved(sender, instance: Post, **kwargs) -> None:
    index_post(instance)


@receiver(m2m_changed, sender=TaggedPost, dispatch_uid="posts.search.tags_changed")
def tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Post):
        index_post(instance)
    elif pk_set:
        index_posts(Post.objects.filter(pk__in=pk_set))


@receiver(post_save, sender=Tag, dispatch_uid="posts.search.tag_saved")
def tag_saved(sender, instance: Tag, created: bool, raw: bool = False, **kwargs) -> None:
    if not created and not raw:
        index_posts(Post.objects.filter(tagged_items__tag=instance))


@receiver(post_delete, sender=TaggedPost, dispatch_uid="posts.search.tag_deleted")
def tagging_deleted(sender, instance: TaggedPost, origin=None, **kwargs) -> None:
    """A tag was deleted: its posts lose it. (Removing a tag from a post is
    handled by ``tags_changed``; deleting a post needs nothing.)"""
    from_tag = isinstance(origin, Tag) or (isinstance(origin, QuerySet) and origin.model is Tag)
    if from_tag:
        index_posts(Post.objects.filter(pk=instance.content_object_id))
