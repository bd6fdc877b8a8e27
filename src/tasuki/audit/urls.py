"""The audit trail's page, under /ja/staff/audit/ and /en/staff/audit/."""

from django.urls import path

from tasuki.audit import views

app_name = "audit"

urlpatterns = [path("", views.trail, name="trail")]
