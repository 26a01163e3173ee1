"""The HTTP API (FastAPI): `create_app` in hiring/api/app.py; `hiring api` serves it."""
