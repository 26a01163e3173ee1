"""How a candidate created from an ATS is recognised: the source name and the external id it is given.

Shared by the webhook that creates such candidates (hiring/webhooks/greenhouse.py) and the erasure that keeps
their application link (hiring/privacy.py), so neither imports the other.
"""

GREENHOUSE = "greenhouse"


def external_id(application_id: str, source: str = GREENHOUSE) -> str:
    """The external id of a candidate created from an ATS application (a CSV import may use it too)."""
    return f"{source}:{application_id}"


def application_of(external: str | None, source: str = GREENHOUSE) -> str | None:
    """The application id in an external id written by `external_id`, None for any other external id."""
    prefix = f"{source}:"
    text = external or ""
    return text[len(prefix) :] if text.startswith(prefix) else None
