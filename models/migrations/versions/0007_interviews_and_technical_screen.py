"""candidates: the technical screen and scheduled final interviews; timers of one interview (the part they
belong to and the interviewer who owns them)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch: SQLite adds these in place, while a batch would recreate `candidate`,
    # which the events, timers and outbox rows reference.
    op.add_column('candidate', sa.Column('technical_screen_done', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('candidate', sa.Column('interviews', sa.JSON(), nullable=True))
    op.add_column('timer', sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('timer', sa.Column('owner_handle', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35+), for the same reason as above.
    op.drop_column('timer', 'owner_handle')
    op.drop_column('timer', 'subject')
    op.drop_column('candidate', 'interviews')
    op.drop_column('candidate', 'technical_screen_done')
