"""webhook deliveries: body hash (a replayed body is a duplicate whatever its Event-ID); ats applications: the
latest Greenhouse activity time applied (an older delivery is stale)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 10:00:00

Hashes only: the delivered body itself is never stored (it carries names and emails).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import models.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_unique_constraint('uq_webhook_delivery_body', ['source', 'body_sha256'])
    with op.batch_alter_table('ats_application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_activity_at', models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ats_application', schema=None) as batch_op:
        batch_op.drop_column('last_activity_at')
    with op.batch_alter_table('webhook_delivery', schema=None) as batch_op:
        batch_op.drop_constraint('uq_webhook_delivery_body', type_='unique')
        batch_op.drop_column('body_sha256')
