from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from veche.web.login_guard import GuardedLoginView

app_name = "web"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:inbox"), name="home"),
    path(
        "login/",
        GuardedLoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
