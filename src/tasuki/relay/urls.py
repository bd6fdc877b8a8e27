"""The relay's public pages, under a campaign's address (/<lang>/<campaign>/…)."""

from django.urls import path

from tasuki.relay import views

app_name = "relay"

urlpatterns = [
    path("<slug:slug>/course/", views.course, name="course"),
    path("<slug:slug>/stories/<str:story>/", views.story, name="story"),
    path("<slug:slug>/km/<str:km>/", views.km, name="km"),
    path("<slug:slug>/connections/", views.connections, name="connections"),
    path("<slug:slug>/winners/", views.winners, name="winners"),
]

# The campaign's landing page shows the relay (its latest stories and the map):
# registered here, where the relay joins the site's pages, since the campaigns
# app imports nothing of the relay.
