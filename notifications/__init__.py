"""Notifications: message rendering, the Slack / email / console channels and the outbox dispatcher.

Sits below the application: imports models/ and states/ only, and is given `now` and its configuration
(notifications.config) by its caller. Reads and writes the outbox through models/; never imports Prefect unless
a Prefect block is named in the configuration (and then only when a row for that channel is about to be sent).
"""

import logging

# A library's loggers stay silent unless the application configures logging (the CLI prints outcomes itself).
logging.getLogger("notifications").addHandler(logging.NullHandler())
