"""The back office, under /ja/staff/ and /en/staff/ (the language prefix, like the public site).

Every view here and in any app's back-office URLs under ``staff/`` must carry
a rule (``tasuki.staff.roles``); tests/staff/test_url_walk.py fails otherwise.
"""

from django.urls import path

from tasuki.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("enrol/<str:token>/", views.enrol_link, name="enrol_link"),
    path("logout/", views.logout_view, name="logout"),
    path("logout-everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/", views.account, name="account"),
]
