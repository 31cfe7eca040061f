"""Apply the triage pipeline to registered cases and store what it read (cases.CaseAnalysis).

Runs after the cases are committed: at once for one case, in the task queue for an import or
the demo (`tasks.analyse_cases_task`), in batches so the topic model works on many texts at a
time.
"""

import zoneinfo
from collections.abc import Sequence
from datetime import datetime

from veche.cases.models import Case
from veche.cases.services import AnalysisData, record_analyses
from veche.catalog.models import Topic
from veche.problems.services import group_repeats
from veche.triage.grouping import find_repeats, fingerprint
from veche.triage.output import as_json
from veche.triage.pii import mask
from veche.triage.pipeline import Analysis, analyse
from veche.triage.registry import topic_model

BATCH = 500


def analyse_cases(case_ids: Sequence[int], *, now: datetime) -> int:
    """Analyse the texts of these cases and store the result; returns how many."""
    done = 0
    for start in range(0, len(case_ids), BATCH):
        cases = list(
            Case.objects.filter(pk__in=case_ids[start : start + BATCH])
            .select_related("municipality")
            .order_by("pk")
        )
        topics = _topic_ids()
        model = topic_model()  # the version in use, re-read once per batch
        by_month: dict[int, list[Case]] = {}
        for case in cases:  # urgency is seasonal: the month where the case was received
            local = case.received_at.astimezone(zoneinfo.ZoneInfo(case.municipality.time_zone))
            by_month.setdefault(local.month, []).append(case)
        items = []
        for month, group in by_month.items():
            texts = [_text(case) for case in group]
            analyses = analyse(texts, month=month, model=model)
            for case, text, analysis in zip(group, texts, analyses, strict=True):
                items.append((case, _data(analysis, text, topics, model.version)))
        done += record_analyses(items, at=now)
        group_repeats(find_repeats(cases), at=now)
    return done


def _text(case: Case) -> str:
    return "\n".join(part for part in (case.subject, case.text) if part)


def _data(
    analysis: Analysis, text: str, topics: dict[tuple[str, str], int], model_version: str
) -> AnalysisData:
    line = as_json(analysis, id=None, duplicate_group=None)
    topic = analysis.topic
    return AnalysisData(
        model_version=model_version,
        topic_id=topics.get((topic.topic.group, topic.topic.name)) if topic.topic else None,
        confidence=topic.confidence,
        suggestions=line["scores"],
        street=line["street"] or "",
        house=line["house"] or "",
        settlement=line["settlement"] or "",
        urgent=analysis.urgency.urgent,
        urgency_level=analysis.urgency.level,
        urgency_reasons=line["urgent_reasons"],
        negativity=analysis.mood.negativity,
        aggressive=analysis.mood.aggressive,
        obscene=bool(analysis.mood.obscene),
        threat=bool(analysis.mood.threats),
        personal_data=line["pii"],
        masked_text=mask(text),
        fingerprint=fingerprint(text),
    )


def _topic_ids() -> dict[tuple[str, str], int]:
    """(group name, topic name) → this installation's topic id."""
    return {
        (group, name): pk
        for pk, name, group in Topic.objects.filter(parent__isnull=False).values_list(
            "pk", "name", "parent__name"
        )
    }
