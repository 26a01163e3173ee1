"""CSV import of candidates: every row checked first; nothing is written from a file with bad rows
unless the caller asks to skip them."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from hiring.errors import InvalidInput
from hiring.queries.lookup import requisition_statuses, taken_external_ids
from hiring.service import add_candidates
from states.field_problems import field_problems
from states.intake import NewCandidate

COLUMNS = ("name", "email", "requisition_id", "source", "motivators", "external_id")
REQUIRED = ("name", "email", "requisition_id", "source")
REQUIRED_WORDS = "is required"  # "name is required": no colon, unlike the other problems


@dataclass
class ImportReport:
    added: list[int] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    rows: int = 0


def read_rows(path: Path) -> tuple[list[tuple[int, NewCandidate]], list[tuple[int, str]], int]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown:
        raise InvalidInput(
            f"{path}: the header must name the columns {', '.join(COLUMNS)} "
            f"(the last two optional)"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    reader.fieldnames = header
    good: list[tuple[int, NewCandidate]] = []
    bad: list[tuple[int, str]] = []
    seen_ext: dict[str, int] = {}
    count = 0
    for row in _rows(reader, path):
        count += 1
        line = reader.line_num
        if None in row:
            bad.append((line, f"{len(row[None])} more cells than the header has columns"))
            continue
        values = {k: (v or "").strip() for k, v in row.items() if k}
        values = {k: v for k, v in values.items() if v or k in REQUIRED}
        try:
            cand = NewCandidate.model_validate(values)
        except ValidationError as exc:
            bad.append((line, _problems(exc)))
            continue
        if cand.external_id:
            if cand.external_id in seen_ext:
                bad.append((line, f"external_id {cand.external_id!r} repeats line {seen_ext[cand.external_id]}"))
                continue
            seen_ext[cand.external_id] = line
        good.append((line, cand))
    return good, bad, count


def _rows(reader: "csv.DictReader[str]", path: Path):  # type: ignore[no-untyped-def]  # yields (line, row)
    try:
        yield from reader
    except csv.Error as exc:  # e.g. a cell longer than csv's field limit (131,072 characters)
        raise InvalidInput(f"{path}: line {reader.line_num} is not valid CSV: {exc}") from None


def _problems(exc: ValidationError) -> str:
    """'name is required; email: value is not a valid email address: ...' for one row."""
    found = field_problems(exc, empty_field="", messages={"missing": REQUIRED_WORDS}, blank_is_missing=True)
    return "; ".join(f"{where} {text}" if text == REQUIRED_WORDS else f"{where}: {text}" for where, text in found)


def _check_against_db(engine: Engine, good: list[tuple[int, NewCandidate]]) -> list[tuple[int, str]]:
    with Session(engine) as session:
        req_ids = {c.requisition_id for _, c in good}
        status = requisition_statuses(session, req_ids)
        taken = set(taken_external_ids(session, [c.external_id for _, c in good if c.external_id]))
    bad = []
    for line, c in good:
        if c.requisition_id not in status:
            bad.append((line, f"requisition_id {c.requisition_id} does not exist"))
        elif status[c.requisition_id] != "open":
            bad.append((line, f"requisition {c.requisition_id} is {status[c.requisition_id]}, not open"))
        elif c.external_id in taken:
            bad.append((line, f"external_id {c.external_id!r} is already used by another candidate"))
    return bad


def import_csv(
    engine: Engine, path: Path, actor: str, skip_invalid: bool = False, now: datetime | None = None
) -> ImportReport:
    good, bad, count = read_rows(path)
    bad += _check_against_db(engine, good)
    bad.sort()
    bad_lines = {line for line, _ in bad}
    if bad and not skip_invalid:
        listing = "\n".join(f"  line {line}: {reason}" for line, reason in bad)
        raise InvalidInput(
            f"{path}: {len(bad)} of {count} rows are invalid; nothing was imported "
            f"(fix them, or pass --skip-invalid to import the {count - len(bad_lines)} good rows):\n{listing}"
        )
    ids = add_candidates(engine, [c for line, c in good if line not in bad_lines], actor=actor, now=now)
    return ImportReport(added=ids, bad=bad, rows=count)
