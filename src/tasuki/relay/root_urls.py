"""The relay's addresses outside the language prefix: what crawlers and feed readers fetch."""

from django.urls import path

from tasuki.relay import feeds, sitemaps

app_name = "relay_root"

urlpatterns = [
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("feeds/<str:lang>/<slug:slug>.atom", feeds.campaign_feed, name="feed"),
]
