"""URLs of the help pages (included by urls.py, namespace `services`, under /services/)."""

from django.urls import path

from . import views_help as views

urlpatterns: list = [
    path("help/", views.help_mine, name="help_mine"),
    path("help/new", views.help_new, name="help_new"),
    path("help/<int:pk>/", views.help_detail, name="help_detail"),
    path("help/<int:pk>/cancel", views.help_cancel, name="help_cancel"),
    path("help/<int:pk>/survey", views.help_survey, name="help_survey"),
    path("help/staff/", views.help_queue, name="help_queue"),
    path("help/staff/mine", views.help_staff_mine, name="help_staff_mine"),
    path("help/staff/helpers", views.help_helpers, name="help_helpers"),
    path("help/staff/helpers/new", views.help_helper_create, name="help_helper_create"),
    path("help/staff/helpers/<int:pk>", views.help_helper_update, name="help_helper_update"),
    path("help/staff/<int:pk>/", views.help_case, name="help_case"),
    path("help/staff/<int:pk>/assign", views.help_assign, name="help_assign"),
    path("help/staff/<int:pk>/contacts", views.help_contact_add, name="help_contact_add"),
    path("help/staff/<int:pk>/complete", views.help_complete, name="help_complete"),
    path("help/staff/<int:pk>/phone", views.help_phone, name="help_phone"),
]
