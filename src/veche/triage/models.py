"""What triage keeps: trained model versions and each municipality's gazetteer."""

from django.db import models

from veche.org.models import Municipality, Territory


class TrainedModel(models.Model):
    """One trained version of a model (`veche train`): the artifact, the quality report it
    was judged by, and whether it is the one in use. A topic model serves the whole
    installation (municipality empty); a routing model belongs to one municipality, whose
    departments it names."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "темы"
        ROUTING = "routing", "исполнители"

    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, verbose_name="МО"
    )
    version = models.CharField("версия", max_length=64)
    trained_at = models.DateTimeField("обучена")
    is_active = models.BooleanField("используется", default=False)
    report = models.JSONField("отчёт о качестве", default=dict)
    data = models.BinaryField("модель")

    class Meta:
        verbose_name = "обученная модель"
        verbose_name_plural = "обученные модели"
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "municipality", "version"], name="trained_model_unique_version"
            )
        ]
        indexes = [models.Index(fields=["kind", "municipality", "is_active"], name="model_active")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class GazetteerPlace(models.Model):
    """One row of a municipality's gazetteer (`veche.triage.gazetteer`, its file format)."""

    class Kind(models.TextChoices):
        SETTLEMENT = "settlement", "населённый пункт"
        STREET = "street", "улица"
        HOUSE = "house", "дом"
        LANDMARK = "landmark", "объект"

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="places", verbose_name="МО"
    )
    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    name = models.CharField("название", max_length=300)
    settlement = models.CharField("населённый пункт", max_length=200, blank=True)
    street = models.CharField("улица", max_length=200, blank=True)
    house = models.CharField("дом", max_length=50, blank=True)
    lat = models.FloatField("широта", null=True, blank=True)
    lon = models.FloatField("долгота", null=True, blank=True)
    territory = models.ForeignKey(
        Territory, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="территория"
    )

    class Meta:
        verbose_name = "место справочника"
        verbose_name_plural = "справочник мест"
        indexes = [models.Index(fields=["municipality", "kind"], name="place_muni_kind")]

    def __str__(self) -> str:
        return self.name
