"""`/open311/v2/` (namespace `open311:`)."""

from . import open311

app_name = "open311"

urlpatterns = [*open311.urlpatterns]
