from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "sotong.core.files"
    label = "files"
    verbose_name = _("첨부파일")
