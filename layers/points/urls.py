from django.urls import path

from . import views

urlpatterns = [
    path("points/", views.points_index, name="points"),
    path("points/civility/", views.civility_record, name="civility-record"),
    path("points/civility/<int:pk>/decide/", views.civility_decide, name="civility-decide"),
    path("points/civility/<int:pk>/photo", views.civility_photo, name="civility-photo"),
    path("points/households/<str:external_id>/", views.civility_ledger, name="civility-ledger"),
    path(
        "points/households/<str:external_id>/redeem/",
        views.civility_redeem,
        name="civility-redeem",
    ),
    path("points/party/", views.party_record, name="party-record"),
    path("points/party/<int:pk>/decide/", views.party_decide, name="party-decide"),
    path("villages/<str:code>/boards/", views.civility_boards, name="civility-boards"),
    path(
        "villages/<str:code>/boards/settings/",
        views.civility_board_settings,
        name="civility-board-settings",
    ),
    path("villages/<str:code>/party/", views.party_ranking, name="party-ranking"),
]
