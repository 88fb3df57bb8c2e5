"""URLs of the service guide, namespace `services`, under /services/. Each part keeps its own
list (catalogue, eligibility, catalogue import/export); the FAQ has one page."""

from django.urls import path

from .catalogue import urls as catalogue_urls
from .catalogue import urls_io
from .eligibility import urls as eligibility_urls
from .faq import views as faq_views

app_name = "services"

urlpatterns = [
    path("faq/<int:pk>/", faq_views.faq_detail, name="faq_detail"),
    *catalogue_urls.urlpatterns,
    *eligibility_urls.urlpatterns,
    *urls_io.urlpatterns,
]
