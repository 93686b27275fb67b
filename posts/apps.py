from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
        from simple_history.signals import pre_create_historical_record
        from taggit.models import Tag

        from authors.models import Author

        # cache_signals and search_signals keep the page cache and the
        # full-text index in step with posts and tags.
        from . import cache_signals, comments, revisions, search_signals, site_domain, tagging, task_records  # noqa: F401
        from .authoring_models import delete_replaced_file, delete_unused_file
        from .models import Page, PageImage, Post, PostImage, PostRevision

        post_delete.connect(comments.delete_post_comments, sender=Post, dispatch_uid="posts.delete_post_comments")
        # A deleted image's file goes with its row, and a replaced or cleared
        # one after the save (each kept while another row or a body uses it).
        for model, field in ((PostImage, "image"), (PageImage, "image"), (Post, "thumbnail"), (Author, "photo")):
            post_delete.connect(
                delete_unused_file(field), sender=model, weak=False, dispatch_uid=f"posts.image_file.{model.__name__}"
            )
            before, after = delete_replaced_file(field)
            pre_save.connect(before, sender=model, weak=False, dispatch_uid=f"posts.stored_file.{model.__name__}")
            post_save.connect(after, sender=model, weak=False, dispatch_uid=f"posts.replaced_file.{model.__name__}")
        # A post's revisions record its co-authors (PostRevision).
        pre_create_historical_record.connect(
            PostRevision.record_co_authors, sender=Post.history.model, dispatch_uid="posts.revision_co_authors"
        )
        # A revision is dated as the save it records (posts.revisions).
        for model in (Post, Page):
            pre_create_historical_record.connect(
                revisions.dated_as_saved, sender=model.history.model, dispatch_uid=f"posts.dated_{model.__name__}"
            )
        pre_save.connect(tagging.keep_old_tag_address, sender=Tag, dispatch_uid="posts.keep_old_tag_address")

        # Emailed links name the site by the Sites framework's domain.
        post_migrate.connect(site_domain.on_post_migrate, dispatch_uid="posts.site_domain")
        # The worker's finished rows (readers' addresses among their arguments) are swept daily.
        post_migrate.connect(task_records.on_post_migrate, dispatch_uid="posts.task_records")
