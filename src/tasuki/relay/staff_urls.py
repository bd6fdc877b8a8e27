"""The editors' story pages, under /ja/staff/relay/ and /en/staff/relay/.

A story is addressed by its entry's number (see ``relay.staff_views``). Every
view carries its rule (``tasuki.staff.roles.staff_required``); the URL-walk
test reads it.
"""

from django.urls import path

# Importing the entries' URLs registers their rendition-format converter, "fmt".
import tasuki.entries.urls  # noqa: F401
from tasuki.relay import staff_views as views

app_name = "relay_staff"

urlpatterns = [
    path("<slug:slug>/", views.desk, name="desk"),
    path("<slug:slug>/stories/<int:pk>/", views.edit, name="edit"),
    path("<slug:slug>/stories/<int:pk>/start/", views.start, name="start"),
    path("<slug:slug>/stories/<int:pk>/preview/", views.preview, name="preview"),
    path("<slug:slug>/stories/<int:pk>/publish/", views.publish, name="publish"),
    path("<slug:slug>/stories/<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("<slug:slug>/stories/<int:pk>/history/", views.history, name="history"),
    path("<slug:slug>/stories/<int:pk>/restore/", views.restore, name="restore"),
    path(
        "<slug:slug>/stories/<int:pk>/photo/<str:token>/<int:width>.<fmt:fmt>",
        views.photo,
        name="photo",
    ),
]
