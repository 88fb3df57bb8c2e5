"""`/open311/v2/` (namespace `open311:`); the endpoints are described in `api.py`'s docstring."""

from django.urls import re_path

from . import api

app_name = "open311"

_FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, api.discovery, name="discovery"),
    re_path(r"^services" + _FMT, api.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,60})" + _FMT, api.service_definition, name="service"),
    re_path(r"^requests" + _FMT, api.requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]{1,40})" + _FMT, api.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,60})" + _FMT, api.token_detail, name="token"),
]
