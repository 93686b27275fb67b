from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self):
        from django_comments_xtd.moderation import moderator

        from .models import Post
        from .moderation import PostCommentModerator

        moderator.register(Post, PostCommentModerator)
