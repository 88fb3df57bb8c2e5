"""The bare yardstick of `petition_intake.py`: Django with no application, no middleware at all,
one view that inserts one row into `bench_baseline` — settings, URLs and view in this one module
(DJANGO_SETTINGS_MODULE=petition_intake_bare, served by gunicorn as
`django.core.wsgi:get_wsgi_application()` with the project's gunicorn.conf.py)."""

import os

import dj_database_url
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

DEBUG = False
SECRET_KEY = "bench-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = __name__
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # As the application's settings: concurrent writers wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; "
        "PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

RESPONSE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    "<service_requests><request><service_request_id>{id}</service_request_id>"
    "</request></service_requests>"
)


@csrf_exempt
def baseline(request):
    if request.method != "POST":
        return HttpResponse(status=405)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (body, created_at) VALUES (%s, %s)",
            [request.POST.get("description", ""), timezone.now()],
        )
    return HttpResponse(RESPONSE.format(id=0), content_type="text/xml; charset=utf-8")


urlpatterns = [path("bench/baseline", baseline)]
