"""The triage pipeline's reading of a case, stored beside it (`triage` computes, `cases` owns
the row). Storing it changes nothing about the case, so it writes no Event; applying a
suggestion does, through the routing services."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from veche.cases.models import Case, CaseAnalysis


@dataclass(frozen=True)
class AnalysisData:
    model_version: str
    topic_id: int | None = None
    confidence: float = 0.0
    suggestions: dict[str, Any] = field(default_factory=dict)
    street: str = ""
    house: str = ""
    settlement: str = ""
    urgent: bool = False
    urgency_level: int = 0
    urgency_reasons: list[dict[str, Any]] = field(default_factory=list)
    negativity: float = 0.0
    aggressive: bool = False
    obscene: bool = False
    threat: bool = False
    personal_data: list[dict[str, Any]] = field(default_factory=list)
    masked_text: str = ""
    fingerprint: bytes = b""
    place_name: str = ""
    place_lat: float | None = None
    place_lon: float | None = None
    place_territory_id: int | None = None
    place_level: str = ""
    place_unsure: bool = False
    department_id: int | None = None
    department_confidence: float = 0.0
    routing_rule_id: int | None = None
    needs_review: bool = True


def record_analyses(items: list[tuple[Case, AnalysisData]], *, at: datetime) -> int:
    """Store (or replace) the analysis of each case, in one transaction per batch."""
    with transaction.atomic():
        CaseAnalysis.objects.filter(case__in=[case for case, _ in items]).delete()
        CaseAnalysis.objects.bulk_create(
            CaseAnalysis(
                case=case,
                analysed_at=at,
                model_version=data.model_version,
                topic_id=data.topic_id,
                confidence=data.confidence,
                suggestions=data.suggestions,
                street=data.street[:200],
                house=data.house[:50],
                settlement=data.settlement[:200],
                urgent=data.urgent,
                urgency_level=data.urgency_level,
                urgency_reasons=data.urgency_reasons,
                negativity=data.negativity,
                aggressive=data.aggressive,
                obscene=data.obscene,
                threat=data.threat,
                personal_data=data.personal_data,
                masked_text=data.masked_text,
                fingerprint=data.fingerprint,
                place_name=data.place_name[:300],
                place_lat=data.place_lat,
                place_lon=data.place_lon,
                place_territory_id=data.place_territory_id,
                place_level=data.place_level,
                place_unsure=data.place_unsure,
                department_id=data.department_id,
                department_confidence=data.department_confidence,
                routing_rule_id=data.routing_rule_id,
                needs_review=data.needs_review,
            )
            for case, data in items
        )
    return len(items)
