"""Transport hardening of every answer: security headers, no caching of personal data, and a
bound on request bodies (pure ASGI middleware, so a refused body is never read into memory)."""

from __future__ import annotations

import json
import logging

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI (/api/docs) loads its script and styles from a CDN; everything else is JSON (or a
# file download) and needs no content at all, so it gets the strictest policy.
DOCS_PATHS = ("/api/docs", "/api/docs/oauth2-redirect")
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)
# The staff screens (NiceGUI: Vue and Quasar, served from the package) evaluate their templates
# in the browser and talk over a WebSocket to this same host; nothing from anywhere else.
WEB_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Browsers honour it only over HTTPS, which is how production serves (behind the proxy).
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", _csp(path))
                if path.startswith("/api/v1"):  # customer data: never in a shared cache
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _csp(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    return STRICT_CSP if path.startswith("/api") else WEB_CSP


UPLOAD_PREFIX = "/_nicegui/"  # the web UI's file uploads (an extract on the admin screen)


class BodyLimit:
    """Refuse (413) a request body larger than ``max_bytes`` (``upload_bytes`` for the web UI's
    uploads): at once when Content-Length says so, or as soon as a streamed (chunked) body
    passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(UPLOAD_PREFIX) and self.upload_bytes != self.max_bytes:
            limited = BodyLimit(self.app, self.upload_bytes)
            await limited(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The app may turn the interrupted read into an error of its own (FastAPI answers
            # 400); whatever it answers, the client is told the real reason once.
            nonlocal refused
            if seen > self.max_bytes:
                if not refused:
                    refused = True
                    await self._refuse(send)
                return
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        reason = f"the request body is larger than {self.max_bytes} bytes"
        body = json.dumps({"status": 413, "errors": [{"field": None, "reason": reason}]}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):  # noqa: N818  (internal signal, never escapes the middleware)
    pass


class DropQueryStrings(logging.Filter):
    """Access-log lines without their query strings: a search by ID number or phone puts
    personal data in the URL, and logs are kept longer and read more widely than the store."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, sep, _ = args[2].partition("?")
            record.args = (*args[:2], path + ("?…" if sep else ""), *args[3:])
        return True


def quiet_access_log() -> None:
    """Install ``DropQueryStrings`` on uvicorn's access log (once per process)."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryStrings) for f in access.filters):
        access.addFilter(DropQueryStrings())
