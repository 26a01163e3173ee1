"""ASGI middlewares. The first two answer before any route runs, so a refused request writes nothing.

- `AccessLog`: one line per request with the route *template* (/candidates/{ref}), the status and the time:
  never the concrete path or query, which can carry an external id or a search term. It also turns an
  unexpected exception into a 500 Problem and logs its type only; Starlette's own handler would re-raise it,
  and the server would log the message and traceback, which can quote request data (names, emails).
- `BearerAuth`: every path but the public ones needs `Authorization: Bearer <token>` with a configured token
  (compared in constant time); otherwise 401.
- `BodyLimit`: a body over the limit gets 413, whether it announces its length or streams it.
"""

import hmac
import logging
import time
from collections.abc import Iterable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hiring.api.errors import answer, problem

access_log = logging.getLogger("hiring.api.access")
log = logging.getLogger("hiring.api")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, responded = time.perf_counter(), 500, False

        async def sending(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", None) or "-"
            log.error("unexpected %s on %s %s", type(exc).__name__, scope["method"], route)
            if not responded:
                detail = f"unexpected error ({type(exc).__name__}); see the server log"
                await answer(500, problem(500, detail))(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "-"  # "-": answered before routing (401, 413...)
            access_log.info("%s %s %d %.0fms", scope["method"], route, status, (time.perf_counter() - started) * 1000)


class BearerAuth:
    def __init__(self, app: ASGIApp, tokens: Iterable[str], public: Iterable[str]) -> None:
        self.app = app
        self.tokens = [t.encode("utf-8") for t in tokens if t]
        self.public = frozenset(public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public:
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"authorization")
        if self._accepts(given):
            await self.app(scope, receive, send)
            return
        if not self.tokens:
            detail = "the API accepts no token yet: set HIRING_API_TOKENS and restart `hiring api`"
        elif given is None:
            detail = "missing Authorization header: send 'Authorization: Bearer <token>'"
        else:
            detail = "wrong token: send 'Authorization: Bearer <token>' with a token from HIRING_API_TOKENS"
        response = answer(401, problem(401, detail), {"WWW-Authenticate": 'Bearer realm="hiring"'})
        await response(scope, receive, send)

    def _accepts(self, given: bytes | None) -> bool:
        if given is None or not self.tokens:
            return False
        scheme, _, token = given.strip().partition(b" ")
        if scheme.lower() != b"bearer":
            return False
        token = token.strip()
        ok = False
        for candidate in self.tokens:  # every token is compared: the time does not say which one matched
            ok |= hmac.compare_digest(candidate, token)
        return ok


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.strip().isdigit() and int(length) > self.max_bytes:
            await answer(413, problem(413, self._detail()))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # An HTTPException passes through FastAPI's body reading untouched and becomes a 413 Problem.
                    raise HTTPException(status_code=413, detail=self._detail())
            return message

        await self.app(scope, limited, send)

    def _detail(self) -> str:
        return f"the request body is larger than {self.max_bytes} bytes (HIRING_API_MAX_BODY_BYTES)"


def _header(scope: Scope, name: bytes) -> bytes | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key.lower() == name:
            return value
    return None
