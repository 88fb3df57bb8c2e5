import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sotong.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a server holding the wrong keys must refuse to start here (with
# preload_app, in the master), not serve pages while every lookup hash is dead.
from sotong.core.privacy.checks import ensure_keys_match  # noqa: E402

ensure_keys_match()

# The URL configuration (and with it every view module) loads here, in the master, instead of at
# each worker's first request: about a second of CPU per worker otherwise, paid again at every
# recycle (gunicorn.conf.py max_requests) under load, which made the tail (p99) of the first
# requests (bench/README.md, petition intake). A broken URLconf now also stops the start.
from django.urls import get_resolver  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - loading is the point
