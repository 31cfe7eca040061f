"""Background jobs of the reports app (huey)."""

from huey.contrib.djhuey import db_task

from veche.reports import services


@db_task()
def generate_report(report_id: int) -> str:
    """Takes the report's id and re-reads the row; a report already taken is left alone.
    The progress goes to the row after each section (the archive page polls it)."""
    return str(services.generate(report_id).state)
