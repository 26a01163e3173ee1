"""Fixtures: real local servers for the notification tests, on 127.0.0.1 (registered in tests/conftest.py).

`slack_server` is one pytest-httpserver for the session (stopping one takes half a second); `slack` is that
server cleared before and after a test; `smtp` is an aiosmtpd relay of the test's own on a free port.
"""

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from tests.support.notify import SmtpServer, free_port


@pytest.fixture(scope="session", name="slack_server")
def slack_server_fixture() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()  # takes half a second: one server for the session, cleared after every test


@pytest.fixture(name="slack")
def slack_fixture(slack_server: HTTPServer) -> Iterator[HTTPServer]:
    """The local Slack stand-in, with no expectations and an empty log."""
    slack_server.clear()
    yield slack_server
    slack_server.clear()


@pytest.fixture(name="smtp")
def smtp_fixture() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()
