"""candidates: the hire decision and the offer's approval chain; offers approved by name
(band_exception_approved_by) become a chain of one approved step

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00
"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OFFERS = ('make_offer', 'revise_offer')
OLD = 'band_exception_approved_by'


def upgrade() -> None:
    # Plain ADD COLUMN, in place: a batch would recreate `candidate`, which other tables reference.
    op.add_column('candidate', sa.Column('hire_decided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('candidate', sa.Column('offer_approval', sa.JSON(), nullable=True))
    _chains_from_names()


def _payload(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _chains_from_names() -> None:
    """Every offer event that named its approver becomes an offer whose chain is that one step, approved (so
    the log replays to it); each candidate's snapshot gets the chain of its latest offer event."""
    conn = op.get_bind()
    event = sa.table('event', sa.column('id'), sa.column('candidate_id'), sa.column('trigger'), sa.column('payload', sa.JSON()), sa.column('seq'))
    candidate = sa.table('candidate', sa.column('id'), sa.column('offer_approval', sa.JSON()))
    rows = conn.execute(sa.select(event.c.id, event.c.candidate_id, event.c.payload).where(event.c.trigger.in_(OFFERS)).order_by(event.c.candidate_id, event.c.seq)).all()
    latest: dict[int, tuple[int, dict]] = {}
    for event_id, candidate_id, raw in rows:
        payload = _payload(raw)
        revision = latest.get(candidate_id, (0, {}))[0] + 1
        if OLD in payload:
            name = payload.pop(OLD)
            payload['approval_chain'] = [{'approver': name, 'role': 'handle', 'approved_before_chain': True}]
            conn.execute(sa.update(event).where(event.c.id == event_id).values(payload=payload))
        latest[candidate_id] = (revision, payload)
    for candidate_id, (revision, payload) in latest.items():
        steps = [{'approver': s['approver'], 'role': s['role'], 'status': 'approved'} for s in payload.get('approval_chain', [])]
        terms = [payload.get('base_salary'), payload.get('currency'), payload.get('equity')]
        chain = {'revision': revision, 'terms': terms, 'steps': steps}
        conn.execute(sa.update(candidate).where(candidate.c.id == candidate_id).values(offer_approval=chain))


def downgrade() -> None:
    # The approval events stay in the log; offers approved by one migrated step get their name back.
    conn = op.get_bind()
    event = sa.table('event', sa.column('id'), sa.column('trigger'), sa.column('payload', sa.JSON()))
    for event_id, raw in conn.execute(sa.select(event.c.id, event.c.payload).where(event.c.trigger.in_(OFFERS))).all():
        payload = _payload(raw)
        chain = payload.pop('approval_chain', None)
        payload.pop('market', None)
        if chain is None and 'market' not in _payload(raw):
            continue
        if chain and chain[0].get('approved_before_chain'):
            payload[OLD] = chain[0]['approver']
        conn.execute(sa.update(event).where(event.c.id == event_id).values(payload=payload))
    op.drop_column('candidate', 'offer_approval')
    op.drop_column('candidate', 'hire_decided')
