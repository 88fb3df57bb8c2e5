from django.urls import path

from . import urls_catalogue, urls_eligibility, urls_help, urls_io, views

app_name = "services"

urlpatterns = [
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
]
# Each part of the guide keeps its own URL list (catalogue, eligibility, helpers, import/export).
urlpatterns += (
    urls_catalogue.urlpatterns
    + urls_eligibility.urlpatterns
    + urls_help.urlpatterns
    + urls_io.urlpatterns
)
