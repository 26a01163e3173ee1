"""requisitions: the playbook's options for the system and the constraints, the engagement's rationale, and
the warnings `role open` gave

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The existing free-text answers stay where they are: they are the answers' words (`detail`); a
    # requisition written before the options existed simply has none chosen. Plain ADD COLUMN, in place.
    op.add_column('requisition', sa.Column('system_kinds', sa.JSON(), nullable=True))
    op.add_column('requisition', sa.Column('constraint_kinds', sa.JSON(), nullable=True))
    op.add_column('requisition', sa.Column('engagement_rationale', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('requisition', sa.Column('open_warnings', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('requisition', 'open_warnings')
    op.drop_column('requisition', 'engagement_rationale')
    op.drop_column('requisition', 'constraint_kinds')
    op.drop_column('requisition', 'system_kinds')
