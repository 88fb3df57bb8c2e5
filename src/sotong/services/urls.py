from django.urls import path

from . import views

app_name = "services"

urlpatterns = [
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
]
