from django.urls import path  # noqa: F401

app_name = "relay_staff"

urlpatterns: list = []
