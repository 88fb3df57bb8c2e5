"""URLs of the helpers (민원도우미), namespace `helpdesk`, under /services/help/ (the addresses they
had inside the service guide, so links already sent still work)."""

from django.urls import path

from . import views

app_name = "helpdesk"

urlpatterns: list = [
    path("", views.help_mine, name="mine"),
    path("new", views.help_new, name="new"),
    path("<int:pk>/", views.help_detail, name="detail"),
    path("<int:pk>/cancel", views.help_cancel, name="cancel"),
    path("<int:pk>/survey", views.help_survey, name="survey"),
    path("staff/", views.help_queue, name="queue"),
    path("staff/mine", views.help_staff_mine, name="staff_mine"),
    path("staff/helpers", views.help_helpers, name="helpers"),
    path("staff/helpers/new", views.help_helper_create, name="helper_create"),
    path("staff/helpers/<int:pk>", views.help_helper_update, name="helper_update"),
    path("staff/<int:pk>/", views.help_case, name="case"),
    path("staff/<int:pk>/assign", views.help_assign, name="assign"),
    path("staff/<int:pk>/contacts", views.help_contact_add, name="contact_add"),
    path("staff/<int:pk>/complete", views.help_complete, name="complete"),
    path("staff/<int:pk>/phone", views.help_phone, name="phone"),
]
