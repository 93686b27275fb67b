from django.conf import settings


def site(request):
    """The blog's name and tagline, for the header and <title> of every page."""
    return {"blog": settings.BLOG}
