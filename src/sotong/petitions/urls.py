"""URLs of petitions under `/petitions/` (namespace `petitions:`): the public boards, listing and
timelines, the staff workspace and the dashboards. Each module owns its own `urlpatterns`. The
Open311 API lives under `/open311/v2/` (`open311.py`, namespace `open311:`)."""

from . import views_answers, views_groups, views_public, views_staff, views_stats

app_name = "petitions"

urlpatterns = [
    *views_public.urlpatterns,
    *views_staff.urlpatterns,
    *views_answers.urlpatterns,
    *views_groups.urlpatterns,
    *views_stats.urlpatterns,
]
