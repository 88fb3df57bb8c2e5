"""URLs of the catalogue pages (included by urls.py, namespace `services`)."""

from django.urls import path

from sotong.guide.catalogue import views as views

urlpatterns: list = [
    path("", views.catalogue, name="catalogue"),
    path("<int:pk>/", views.service_detail, name="service_detail"),
    path("<int:pk>/print", views.service_print, name="service_print"),
    path("<int:pk>/save", views.service_save, name="service_save"),
    path("mine", views.mine, name="mine"),
    path("staff/review", views.review_list, name="review_list"),
    path("staff/review/<int:pk>", views.service_review, name="service_review"),
]
