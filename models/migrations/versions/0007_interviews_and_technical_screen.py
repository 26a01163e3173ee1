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
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technical_screen_done', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('interviews', sa.JSON(), nullable=True))
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('owner_handle', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_column('owner_handle')
        batch_op.drop_column('subject')
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_column('interviews')
        batch_op.drop_column('technical_screen_done')
