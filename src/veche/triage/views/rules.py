"""Placeholder: filled in by the rules page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
