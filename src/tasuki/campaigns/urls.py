from django.urls import path

from tasuki.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:slug>/", views.landing, name="landing"),
    path("<slug:slug>/terms/", views.terms, name="terms"),
    path("<slug:slug>/privacy/", views.privacy, name="privacy"),
    path("<slug:slug>/contact/", views.contact, name="contact"),
]
