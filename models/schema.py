"""The schema revision this code needs; a test checks it is Alembic's head."""

HEAD = "0011"
