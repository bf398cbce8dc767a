from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gis.basemap import basemap_tile
from gis.views import favicon
from households.accounts.views import PasswordChangeView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("favicon.ico", favicon, name="favicon"),
    path("basemap/<str:z>/<str:x>/<str:y>", basemap_tile, name="basemap-tile"),
    path("", include("grids.urls")),
    path("", include("households.urls")),
    path("", include("layers.urls")),
    path("", include("layers.ogc.urls")),
    path("", include("layers.api.urls")),
    path("", include("layers.exports.urls")),
]
# Uploaded files (visit photos, pending imports) are never served as media: each has a
# scoped view that checks the user's area and logs access.
