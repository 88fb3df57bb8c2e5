from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.organization_list, name="organization_list"),
    path("<slug:code>/", views.organization_detail, name="organization"),
]
