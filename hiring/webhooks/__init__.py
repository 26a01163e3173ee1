"""ATS webhooks: deliveries verified, deduplicated, mapped to our triggers, and always recorded.

`greenhouse.receive` handles one Greenhouse delivery; `hiring.queries.deliveries` lists what was received,
and what could not be mapped (`hiring webhooks --unmapped`).
"""

from hiring.webhooks.greenhouse import BadEventId, BadSignature, Receipt, RetryLater, receive, sign, verify_signature

__all__ = ["BadEventId", "BadSignature", "Receipt", "RetryLater", "receive", "sign", "verify_signature"]
