"""Placeholder: filled in by the gazetteer page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
