"""Triage: understand a citizen's Russian text (topic, place, urgency, mood, personal data,
duplicates) offline, with a confidence for each guess. The analysers are plain functions over
text with no database access; the pipeline and the services apply them to cases."""
