"""Who a notification goes to: the people directory's entries for the handles of the rows being sent.

Requisitions and the policy name people by handle (e.g. maria.lopez); the dispatcher looks the handles up here
to find an email address, a Slack user id and a time zone. The directory is administered by the application
(hiring/people.py).
"""

from sqlalchemy import Engine, select
from sqlmodel import col

from models.db import transaction
from models.tables import Person
from notifications.delivery import Recipient


def recipients(engine: Engine, handles: set[str]) -> dict[str, Recipient]:
    """The directory entries of these handles, as plain snapshots."""
    if not handles:
        return {}
    with transaction(engine) as session:
        rows = session.execute(select(Person).where(col(Person.handle).in_(handles))).scalars()
        return {
            p.handle: Recipient(
                handle=p.handle,
                name=p.name,
                email=p.email,
                slack_user_id=p.slack_user_id,
                role=p.role,
                timezone=p.timezone or "UTC",
            )
            for p in rows
        }
