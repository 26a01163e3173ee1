"""requisitions: their own interview kit and take-home templates (an override of the shipped kit, as JSON)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place, not a batch: on SQLite a batch recreates `requisition`, which candidates and timers reference.
    op.add_column('requisition', sa.Column('kit_override', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('requisition', 'kit_override')
