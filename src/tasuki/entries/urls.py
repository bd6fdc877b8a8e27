from django.urls import path, register_converter

from tasuki.entries import views


class RenditionFormat:
    regex = "webp|jpeg"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RenditionFormat, "fmt")

app_name = "entries"

urlpatterns = [
    path("<slug:slug>/enter/", views.enter, name="enter"),
    path("<slug:slug>/enter/photos/", views.upload_photo, name="upload_photo"),
    path("<slug:slug>/enter/photos/remove/", views.remove_photo, name="remove_photo"),
    path("<slug:slug>/enter/photos/status/", views.photo_status, name="photo_status"),
    path("receipt/<str:receipt>/", views.receipt, name="receipt"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("manage/", views.resend, name="resend"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path(
        "manage/<str:token>/photo/<str:photo>/<int:width>.<fmt:fmt>",
        views.manage_photo,
        name="manage_photo",
    ),
]
