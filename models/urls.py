"""One redaction for every URL that is shown (CLI output, logs, error messages): the password in the user
info and the values of secret-looking query parameters (`?password=`, `sslpassword`, `token`, `api_key`, ...)
become `***`. The rest stays, so the URL still says which database or server is meant."""

import re

from sqlalchemy.engine import URL

MASK = "***"
# A query parameter whose name contains one of these words holds a secret.
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|cred|sig", re.IGNORECASE)


def redact_url(url: str | URL) -> str:
    if isinstance(url, URL):
        url = url.render_as_string(hide_password=False)
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    rest = _user_info(rest)
    rest, hash_, fragment = rest.partition("#")
    location, qmark, query = rest.partition("?")
    return f"{scheme}{sep}{location}{qmark}{_query(query)}{hash_}{fragment}"


def _user_info(rest: str) -> str:
    """user:password@host... -> user:***@host...; the password may hold '/' or '@' (as SQLAlchemy's parser
    allows), so it runs to the last '@' before the query."""
    userinfo, at, _ = rest.split("?", 1)[0].rpartition("@")
    user, colon, _ = userinfo.partition(":")
    if not at or not colon or "/" in user:
        return rest  # no password (sqlite:///path, or a path that happens to hold '@')
    return f"{user}:{MASK}@{rest[len(userinfo) + 1 :]}"


def _query(query: str) -> str:
    return "&".join(_param(p) for p in query.split("&")) if query else query


def _param(param: str) -> str:
    name, eq, _ = param.partition("=")
    return f"{name}={MASK}" if eq and _SECRET_NAME.search(name) else param
