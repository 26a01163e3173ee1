"""outbox: claim deadline on the database clock; payloads without candidate names

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 22:40:00

- `claim_expires_at`: when a `sending` row's claim lapses, on the database's clock. A claim in flight during
  the upgrade is left alone for one default claim timeout (300 s) from the upgrade.
- Outbox payloads lose the candidate names they carried (escalations' `candidate_name`, the weekly digest's
  `text` and the names in its lists): names are read from the candidate rows when a message is rendered, so
  an erasure reaches every row. Not restored by the downgrade.
"""
from datetime import timedelta
from typing import Any

from alembic import op
import sqlalchemy as sa

import models.types
from models.db import database_now


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CLAIM_TIMEOUT = timedelta(seconds=300)  # the default HIRING_DISPATCH_CLAIM_TIMEOUT_SECONDS
NAMES = frozenset({"candidate_name", "candidate_email"})
LISTS = ("overdue", "decisions_pending")  # the weekly digest's lists of candidates
BATCH = 1000

outbox = sa.table(
    "outbox",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("payload", sa.JSON),
    sa.column("claim_expires_at", models.types.UTCDateTime()),
)


def _without_names(payload: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in payload.items() if k not in NAMES}
    for key in LISTS:
        if isinstance(out.get(key), list):
            out[key] = [{k: v for k, v in i.items() if k not in NAMES} if isinstance(i, dict) else i for i in out[key]]
    if "requisitions" in out:  # a weekly digest with its facts: its text (with names) is rendered when sent
        out.pop("text", None)
    return out


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_expires_at', models.types.UTCDateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    conn.execute(outbox.update().where(outbox.c.status == "sending")
                 .values(claim_expires_at=database_now(conn) + CLAIM_TIMEOUT))
    named = sa.or_(outbox.c.kind == "digest", sa.cast(outbox.c.payload, sa.Text).like('%candidate_name%'))
    ids = list(conn.execute(sa.select(outbox.c.id).where(named).order_by(outbox.c.id)).scalars())
    for start in range(0, len(ids), BATCH):
        rows = conn.execute(sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.id.in_(ids[start:start + BATCH])))
        for row_id, payload in rows.all():
            if isinstance(payload, dict) and _without_names(payload) != payload:
                conn.execute(outbox.update().where(outbox.c.id == row_id).values(payload=_without_names(payload)))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claim_expires_at')
