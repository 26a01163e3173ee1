"""The one instant the tests start from: conftest's `T0` fixture, the test log's and the fixtures' base time."""

from datetime import UTC, datetime

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, in the past of any real clock running the tests
