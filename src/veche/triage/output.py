"""The JSON line `veche triage` writes for each input text: a stable, documented format (the
README, «Формат veche triage»), since other teams evaluate Veche with it. Add keys; never
rename or drop one."""

from typing import Any

from veche.triage.pipeline import Analysis

FORMAT_VERSION = 1


def as_json(analysis: Analysis, *, id: object, duplicate_group: object) -> dict[str, Any]:
    topic = analysis.topic
    address = analysis.address
    place = analysis.place
    return {
        "id": id,
        "category": topic.category,
        "reason": topic.reason,
        "topic": str(topic.topic) if topic.topic else None,
        # The routing model's best department (`veche triage`: a St Petersburg body), or null.
        "department": analysis.departments[0].label if analysis.departments else None,
        "scores": {
            "category": [[s.label, round(s.probability, 4)] for s in topic.categories],
            "reason": [[s.label, round(s.probability, 4)] for s in topic.reasons],
            "topic": [[str(s.topic), round(s.probability, 4)] for s in topic.topics],
            "department": [[s.label, round(s.probability, 4)] for s in analysis.departments],
        },
        "street": address.street_name if address and address.street else None,
        "house": address.house if address and address.house else None,
        "settlement": address.settlement if address and address.settlement else None,
        "lat": place.lat if place else None,
        "lon": place.lon if place else None,
        "place_unsure": place.unsure if place else None,
        "urgent": analysis.urgency.urgent,
        "urgent_reasons": [
            {"code": r.code, "label": r.label_ru, "words": r.matched_text, "level": r.level}
            for r in analysis.urgency.reasons
        ],
        "negativity": round(analysis.mood.negativity, 3),
        "aggressive": analysis.mood.aggressive,
        "obscene": bool(analysis.mood.obscene),
        "threat": bool(analysis.mood.threats),
        "pii": [{"kind": str(p.kind), "start": p.start, "end": p.end} for p in analysis.pii],
        "duplicate_group": duplicate_group,
    }
