from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "sotong.core.files"
    label = "files"
    verbose_name = "첨부파일"
