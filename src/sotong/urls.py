from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language

from sotong.api import api
from sotong.core import ops, search_page
from sotong.org import views as org_views

admin.site.site_header = _("소통 관리")
admin.site.site_title = _("소통 관리")
admin.site.index_title = _("관리 화면")
# The admin login goes through allauth, so staff pass the TOTP step there too.
admin.site.login = secure_admin_login(admin.site.login)

handler400 = "sotong.core.views.error_400"
handler403 = "sotong.core.views.error_403"
handler404 = "sotong.core.views.error_404"
handler500 = "sotong.core.views.error_500"

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("metrics", ops.metrics, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("sotong.accounts.urls")),
    path("org/", include("sotong.org.urls")),
    path("services/help/", include("sotong.helpdesk.urls")),
    path("services/", include("sotong.guide.urls")),
    path("notify/", include("sotong.notify.urls")),
    path("petitions/", include("sotong.petitions.urls")),
    path("open311/v2/", include("sotong.petitions.open311.urls")),
    path("api/", api.urls),
    path("search", search_page.search, name="search"),
    path("", org_views.home, name="home"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
