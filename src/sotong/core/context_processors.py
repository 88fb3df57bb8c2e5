from django.conf import settings


def site(request):
    """Values every page layout needs."""
    return {"SITE_NAME": "소통", "SOTONG_ENV": settings.SOTONG_ENV}
