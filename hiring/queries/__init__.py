"""The read side: everything the CLI, the API and the reports show. No writes here.

`lookup` finds one row (and is what the services use to load the rows they change); the other modules
build what is shown: requisitions, candidates, the board, SLA timers and their statistics (`sla`), webhook
deliveries, the schema revision.
"""

from hiring.queries.boards import board
from hiring.queries.candidates import (
    candidate_dict,
    candidate_erased,
    candidate_history,
    candidate_id,
    event_dict,
    list_candidates,
    refuse_if_erased,
    show_candidate,
    where_candidate_stands,
)
from hiring.queries.deliveries import STATUSES, list_deliveries, unmapped_summary
from hiring.queries.lookup import MAX_ID, ensure_not_erased, erased_ids, find_candidate, is_erased
from hiring.queries.requisitions import list_requisitions, requisition_dict, requisition_spec, show_requisition
from hiring.queries.schema import schema_revision

__all__ = [
    "MAX_ID",
    "STATUSES",
    "board",
    "candidate_dict",
    "candidate_erased",
    "candidate_history",
    "candidate_id",
    "ensure_not_erased",
    "erased_ids",
    "event_dict",
    "find_candidate",
    "is_erased",
    "list_candidates",
    "list_deliveries",
    "list_requisitions",
    "refuse_if_erased",
    "requisition_dict",
    "requisition_spec",
    "schema_revision",
    "show_candidate",
    "show_requisition",
    "unmapped_summary",
    "where_candidate_stands",
]
