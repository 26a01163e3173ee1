"""candidates: the hire decision and the offer's approval chain; offers approved by name
(band_exception_approved_by) become a chain of one approved step

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, in place: a batch would recreate `candidate`, which other tables reference.
    op.add_column('candidate', sa.Column('hire_decided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('candidate', sa.Column('offer_approval', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('candidate', 'offer_approval')
    op.drop_column('candidate', 'hire_decided')
