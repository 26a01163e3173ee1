"""Adding durations in wall-clock time or in business time (working days of a time zone, minus holidays)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    """business=False: plain wall-clock arithmetic. business=True: only time on working days counts."""

    business: bool = False
    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset(range(5))  # Monday=0 ... Friday=4
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if not self.business or duration <= timedelta(0):
            return start + duration
        zone = ZoneInfo(self.timezone)
        cursor = start.astimezone(zone)
        remaining = duration
        for _ in range(366 * 20):  # bounded: a policy with no working day is refused before this
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), zone)
            if self.is_working(cursor.date()):
                step = min(remaining, midnight - cursor)
                cursor += step
                remaining -= step
                if remaining <= timedelta(0):
                    return cursor.astimezone(UTC)
            cursor = midnight
        raise ValueError("no working day within 20 years: check working_days and holidays")

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of counted time before `end` (add, run backwards)."""
        if not self.business or duration <= timedelta(0):
            return end - duration
        zone = ZoneInfo(self.timezone)
        cursor = end.astimezone(zone)
        remaining = duration
        for _ in range(366 * 20):  # bounded as in add()
            day = cursor.date() if cursor.time() != time() else cursor.date() - timedelta(days=1)
            day_start = datetime.combine(day, time(), zone)
            if self.is_working(day):
                step = min(remaining, cursor - day_start)
                cursor -= step
                remaining -= step
                if remaining <= timedelta(0):
                    return cursor.astimezone(UTC)
            cursor = day_start
        raise ValueError("no working day within 20 years: check working_days and holidays")

    def shift(self, instant: datetime, held_from: datetime, held_until: datetime) -> datetime:
        """Where `instant` lies after a hold from `held_from` to `held_until`: as much counted time away from
        the end of the hold as it was from its start (before or after it). Wall-clock: moved by the hold."""
        if instant >= held_from:
            return self.add(held_until, self.between(held_from, instant))
        return self.subtract(held_until, self.between(instant, held_from))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """How much counted time lies between two instants (zero if end is before start)."""
        if end <= start:
            return timedelta(0)
        if not self.business:
            return end - start
        zone = ZoneInfo(self.timezone)
        cursor, end_local = start.astimezone(zone), end.astimezone(zone)
        total = timedelta(0)
        while cursor < end_local:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(), zone)
            stop = min(midnight, end_local)
            if self.is_working(cursor.date()):
                total += stop - cursor
            cursor = stop
        return total
