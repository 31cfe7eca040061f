"""Every write to a case: each function is one business operation in one transaction, each
writes its `Event`. Views, the API, imports and the demo call these and nothing else.

Import them from here. The modules group them by concern: `registration` (a new case),
`history` (cases with what already happened to them: imports, the demo), `status`, `routing`
(department, topic, place), `linking` (merged and duplicate cases), `answers`, `timeline`
(comments, messages, notes, files), `clocks` (the deadlines app's notes on the timeline,
inside its transactions) and `personal_data`; `drafts` holds the data the callers hand in,
`_common` the helpers they share, which never open a transaction.
"""

from veche.cases.services.analysis import AnalysisData, record_analyses
from veche.cases.services.answers import approve_answer, draft_answer, record_answer_sent
from veche.cases.services.clocks import ClockNote, note_clock, note_clocks
from veche.cases.services.drafts import CaseDraft, CitizenData, Step, without_nul
from veche.cases.services.history import RecordResult, record_cases, update_imported_case
from veche.cases.services.linking import mark_duplicate, merge_case, note_problem
from veche.cases.services.personal_data import log_exported_authors, reveal_author
from veche.cases.services.registration import create_case
from veche.cases.services.routing import (
    BulkResult,
    assign_case,
    assign_cases,
    change_topic,
    locate_case,
)
from veche.cases.services.status import change_status
from veche.cases.services.timeline import (
    add_citizen_message,
    add_comment,
    add_system_note,
    attach_file,
    attach_files,
)

__all__ = [
    "AnalysisData",
    "BulkResult",
    "CaseDraft",
    "CitizenData",
    "ClockNote",
    "RecordResult",
    "Step",
    "add_citizen_message",
    "add_comment",
    "add_system_note",
    "approve_answer",
    "assign_case",
    "assign_cases",
    "attach_file",
    "attach_files",
    "change_status",
    "change_topic",
    "create_case",
    "draft_answer",
    "locate_case",
    "log_exported_authors",
    "mark_duplicate",
    "merge_case",
    "note_clock",
    "note_clocks",
    "note_problem",
    "record_analyses",
    "record_answer_sent",
    "record_cases",
    "reveal_author",
    "update_imported_case",
    "without_nul",
]
