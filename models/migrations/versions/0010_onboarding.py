"""candidates: the day-30 access items still missing and the retention check-ins recorded (issue 14)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN in place (candidate is referenced by other tables). A hire onboarded before this has
    # no access gap on record and no check-ins yet: NULL and 0 say exactly that.
    op.add_column('candidate', sa.Column('access_missing', sa.JSON(), nullable=True))
    op.add_column('candidate', sa.Column('retention_checkins', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    op.drop_column('candidate', 'retention_checkins')
    op.drop_column('candidate', 'access_missing')
