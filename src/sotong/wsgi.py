import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotong.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a server holding the wrong keys must refuse to start here (with
# preload_app, in the master), not serve pages while every lookup hash is dead.
from sotong.core.privacy.checks import ensure_keys_match  # noqa: E402

ensure_keys_match()
