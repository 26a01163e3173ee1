"""Errors of the application layer, each with the exit code the CLI ends with.

They are defined in states/errors.py, below every layer that raises them (notifications/ too), and re-exported
here: the entry points catch them as `hiring.errors.*`.
"""

from states.errors import Conflict, HiringError, InvalidInput, NotFound

__all__ = ["Conflict", "HiringError", "InvalidInput", "NotFound"]
