"""Services as a search document type "service" (registered by the app's manifest, see
`apps.ServicesConfig.ready`, next to the FAQ's).

Only published services are indexed, and every indexed service is public: unpublishing a service
takes it out of the index (the registry's save hook re-indexes, and a service outside the queryset
is removed)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sotong.core.search import DocumentType, Visibility
from sotong.guide.models import Service

SERVICE_TYPE = "service"


def _published():
    return Service.objects.filter(published=True)


def _body(service: Service) -> str:
    return "\n".join(part for part in (service.summary, service.target, service.benefit) if part)


def _field_name(service: Service) -> str:
    """The field's Korean name whatever the language of the request that saved it."""
    if service.field not in Service.Field.values:
        return ""
    with translation.override("ko"):
        return str(Service.Field(service.field).label)


service_document = DocumentType(
    name=SERVICE_TYPE,
    label=_("서비스"),
    model=Service,
    fields={"title": 3.0, "body": 1.0},
    extract=lambda service: {"title": service.name, "body": _body(service)},
    url=lambda service: service.get_absolute_url(),
    organization=lambda service: service.organization_id,
    # Filed under the field's Korean name (a public label, no personal data).
    category=lambda service: _field_name(service),
    date=lambda service: service.updated_at,
    visibility=lambda service: Visibility.public(),
    queryset=_published,
)
