"""Notifications: message rendering, the Slack / email / console channels and the outbox dispatcher.

Reads and writes the outbox through models/; never imports Prefect unless a Prefect block is named in the
settings (and then only when a row for that channel is about to be sent).
"""

import logging

# A library's loggers stay silent unless the application configures logging (the CLI prints outcomes itself).
logging.getLogger("notifications").addHandler(logging.NullHandler())
