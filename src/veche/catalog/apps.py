from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "veche.catalog"
    label = "catalog"
    verbose_name = "Справочники"
