"""Errors of the application layer, each with the CLI exit code DESIGN.md assigns it."""


class HiringError(Exception):
    exit_code = 1


class InvalidInput(HiringError):
    """Exit 2: the request itself is wrong; it names what was wrong and what is allowed."""

    exit_code = 2


class Conflict(HiringError):
    """Exit 3: a concurrent change, a replayed key with a different event, or a disallowed change."""

    exit_code = 3


class NotFound(HiringError):
    """Exit 4."""

    exit_code = 4
