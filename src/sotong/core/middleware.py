"""Request metrics for Prometheus (`GET /metrics`)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "sotong_http_requests_total", "HTTP requests by method and status", ["method", "status"]
)
LATENCY = Histogram(
    "sotong_http_request_seconds",
    "HTTP request latency",
    ["method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        # Method label limited to known verbs so a client cannot grow the label set.
        method = (
            request.method
            if request.method in {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
            else "OTHER"
        )
        REQUESTS.labels(method=method, status=str(response.status_code)).inc()
        LATENCY.labels(method=method).observe(time.perf_counter() - started)
        return response
