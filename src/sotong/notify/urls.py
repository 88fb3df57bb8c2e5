"""URLs of notify: the resident pages (subscribe, confirm, manage, unsubscribe), the staff pages
(templates, campaigns, reports), the provider's webhooks and tracked links. Each module owns its
own `urlpatterns`; this file only joins them under the `notify:` namespace."""

from . import (
    links,
    views_campaigns,
    views_public,
    views_reports,
    views_roles,
    views_staff,
    views_templates,
    webhooks,
)

app_name = "notify"

urlpatterns = [
    *views_public.urlpatterns,
    *views_staff.urlpatterns,
    *views_templates.urlpatterns,
    *views_campaigns.urlpatterns,
    *views_reports.urlpatterns,
    *views_roles.urlpatterns,
    *webhooks.urlpatterns,
    *links.urlpatterns,
]
