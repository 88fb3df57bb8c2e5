"""URLs of petitions under `/petitions/` (namespace `petitions:`): the public boards, listing and
timelines, the staff workspace and the dashboards. Each module of `views/` owns its own
`urlpatterns`. The Open311 API lives under `/open311/v2/` (`open311`, namespace `open311:`)."""

from .views import (
    answers,
    confirmation,
    detail,
    groups,
    intake,
    listing,
    petitioner,
    staff,
    stats,
)

app_name = "petitions"

urlpatterns = [
    *intake.urlpatterns,
    *listing.urlpatterns,
    *petitioner.urlpatterns,
    *confirmation.urlpatterns,
    *detail.urlpatterns,
    *staff.urlpatterns,
    *answers.urlpatterns,
    *groups.urlpatterns,
    *stats.urlpatterns,
]
