"""URLs of the catalogue import/export pages (included by urls.py, namespace `services`)."""

from django.urls import path

from sotong.guide.catalogue import views_io

urlpatterns: list = [
    path("staff/import", views_io.import_upload, name="import"),
    path("staff/import/<int:pk>", views_io.import_status, name="import_status"),
    path("staff/export", views_io.export, name="export"),
    path("staff/export.<str:fmt>", views_io.export, name="export_file"),
]
