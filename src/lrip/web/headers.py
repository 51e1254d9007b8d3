"""The headers every answer carries, so that a page cannot be framed (a signature form under someone
else's page), a file cannot be read as another type, no script runs but ours, and the cookie travels
only over https when the site is served over https.

https: `lrip serve --https` or LRIP_HTTPS=1 says clients reach lrip over https (TLS at uvicorn with
--certfile/--keyfile, or at a proxy in front); a request that arrives as https (TLS here, or a trusted
proxy's X-Forwarded-Proto with `--forwarded-allow-ips`) counts too. Then every cookie is marked Secure
and Strict-Transport-Security tells the browser to keep to https.
"""
from __future__ import annotations

import os

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
ALWAYS = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
          (b"referrer-policy", b"same-origin"))
HSTS = (b"strict-transport-security", b"max-age=31536000")


def https_from_environment() -> bool:
    """LRIP_HTTPS=1: served over https (what `lrip serve --https` sets)."""
    return os.environ.get("LRIP_HTTPS", "").strip().lower() in ("1", "true", "yes")


def _secure(cookie: bytes) -> bytes:
    return cookie if b"secure" in cookie.lower().split(b"; ") else cookie + b"; secure"


class SecurityHeaders:
    """Adds the headers of the module docstring to every answer (one that set such a header itself keeps
    its own) and, over https, marks every cookie Secure."""

    def __init__(self, app, https: bool = False):
        self.app, self.https = app, https

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        secure = self.https or scope.get("scheme") == "https"
        csp = CSP.encode()  # the API docs too: Swagger UI is served from here and started by a file

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                extra = [*ALWAYS, (b"content-security-policy", csp)] + ([HSTS] if secure else [])
                headers += [(name, value) for name, value in extra if name not in present]
                if secure:
                    headers = [(n, _secure(v) if n.lower() == b"set-cookie" else v) for n, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
