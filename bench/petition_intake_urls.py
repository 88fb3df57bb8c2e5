"""The application's URLs plus `POST /bench/baseline`: a minimal Django view that inserts one
row, the yardstick of `petition_intake.py`. It runs behind the same middleware, in the same
gunicorn workers, on the same database as the Open311 intake it is compared with."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

import sotong.petitions.events  # noqa: F401  (idempotent; for a checkout whose ready() lacks it)
from sotong.urls import handler400, handler403, handler404, handler500  # noqa: F401
from sotong.urls import urlpatterns as application_urlpatterns

BASELINE_TABLE = "bench_baseline"
BASELINE_RESPONSE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    "<service_requests><request><service_request_id>{id}</service_request_id>"
    "</request></service_requests>"
)


@csrf_exempt
def baseline(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    body = request.POST.get("description", "")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (body, created_at) VALUES (%s, %s)",  # noqa: S608
            [body, timezone.now()],
        )
        row_id = cursor.lastrowid if connection.vendor == "sqlite" else None
    return HttpResponse(
        BASELINE_RESPONSE.format(id=row_id or 0), content_type="text/xml; charset=utf-8"
    )


urlpatterns = [path("bench/baseline", baseline), *application_urlpatterns]
