"""Console sign-in: an API key becomes a server-side session held in an HttpOnly cookie.

- The cookie carries 32 random bytes; the table holds only their SHA-256 (access/session_store.py),
  with the key's tenant, scope and id, and never the key.
- The CSRF token is an HMAC of the cookie's secret. The server derives it again from the cookie
  (GET /app/session after a reload, the session authorizer on every call), so it is stored nowhere,
  and a page of another origin, which can read neither the cookie nor our answers, cannot forge it.
- A session ends at sign-out, after LIFETIME_SECONDS, or when its key is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

from clientele.access import keys
from clientele.access import session_store as store
from clientele.core import clock
from clientele.core.errors import AuthenticationRequired, ValidationFailed
from clientele.core.tenancy import Environment, Principal, Scope, Tenant

COOKIE = "clientele_session"
LIFETIME_SECONDS = 12 * 3600  # a working day; then sign in again
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, URL-safe base64 without padding


class ConsoleSession(NamedTuple):
    """What the console shows and needs: who is signed in, and the token its calls send back."""

    principal: Principal
    usage_identifier: str
    key_hint: str
    expires_at: str
    csrf_token: str

    def to_api(self) -> dict[str, Any]:
        return {
            "csrfToken": self.csrf_token,
            "organization": self.principal.tenant.organization,
            "environment": str(self.principal.tenant.environment),
            "scope": str(self.principal.scope),
            "keyHint": self.key_hint,
            "expiresAt": self.expires_at,
        }


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode(), b"clientele console csrf", hashlib.sha256).hexdigest()


def sign_in(api_key: Any) -> tuple[str, ConsoleSession]:
    """(the cookie's secret, the session) for a valid key; AuthenticationRequired for any other."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise ValidationFailed(details=[{"field": "apiKey", "message": "enter an API key"}])
    secret_key = api_key.strip()
    principal, usage_identifier = keys.identify(secret_key)
    secret = secrets.token_urlsafe(32)
    expires = int(time.time()) + LIFETIME_SECONDS
    session = ConsoleSession(
        principal=principal,
        usage_identifier=usage_identifier,
        key_hint=keys.hint(secret_key),
        expires_at=clock.format_instant(datetime.fromtimestamp(expires, UTC)),
        csrf_token=csrf_token(secret),
    )
    store.insert(
        _hash(secret),
        {
            **principal.as_context(),
            "keyHash": keys.secret_hash(secret_key),
            "keyHint": session.key_hint,
            "usageIdentifier": usage_identifier,
            "createdAt": clock.now(),
            "expiresAt": session.expires_at,
            "expiration": expires,  # the table's TTL attribute
        },
    )
    return secret, session


def secret_of(cookie_header: str | None) -> str:
    """The session secret in a Cookie header; AuthenticationRequired without a well-formed one."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE and _SECRET.match(value):
            return value
    raise AuthenticationRequired()


def current(cookie_header: str | None) -> ConsoleSession:
    """The live session the cookie names: not signed out, not expired, its key not revoked."""
    secret = secret_of(cookie_header)
    item = store.find(_hash(secret))
    if item is None or int(item["expiration"]) <= time.time() or not store.key_is_live(str(item["keyHash"])):
        raise AuthenticationRequired()
    return ConsoleSession(
        principal=Principal(
            tenant=Tenant(organization=str(item["organization"]), environment=Environment(item["environment"])),
            scope=Scope(item["scope"]),
            key_id=str(item["keyId"]),
        ),
        usage_identifier=str(item["usageIdentifier"]),
        key_hint=str(item["keyHint"]),
        expires_at=str(item["expiresAt"]),
        csrf_token=csrf_token(secret),
    )


def authorize(cookie_header: str | None, token: str | None) -> ConsoleSession:
    """A console call: the live session, and the CSRF token that only its own pages can know."""
    session = current(cookie_header)
    if not token or not hmac.compare_digest(token, session.csrf_token):
        raise AuthenticationRequired()
    return session


def sign_out(cookie_header: str | None, token: str | None) -> None:
    authorize(cookie_header, token)
    store.delete(_hash(secret_of(cookie_header)))


def set_cookie(secret: str, *, secure: bool) -> str:
    return _cookie(secret, LIFETIME_SECONDS, secure)


def clear_cookie(*, secure: bool) -> str:
    return _cookie("", 0, secure)


def _cookie(value: str, max_age: int, secure: bool) -> str:
    return f"{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
