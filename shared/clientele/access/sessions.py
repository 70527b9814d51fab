"""Console sign-in: an API key becomes a server-side session held in an HttpOnly cookie.

- The cookie carries 32 random bytes; the table holds only their SHA-256 (access/session_store.py),
  with the hash that finds the key's lookup item, and never the key.
- The CSRF token is an HMAC of the cookie's secret. The server derives it again from the cookie
  (GET /app/session after a reload, the session authorizer on every call), so it is stored nowhere,
  and a page of another origin, which can read neither the cookie nor our answers, cannot forge it.
- Every call reads the key's lookup item: the session's tenant, scope and usage identifier are the
  key's own, and a revoked key (its lookup item deleted) ends its sessions at once. A session also
  ends at sign-out and after LIFETIME_SECONDS.
- Over HTTPS the cookie is `__Host-clientele_session`: browsers let no other host (a sibling under
  execute-api.amazonaws.com, say) set a cookie of that name, so nobody can plant a session of
  theirs. Plain `clientele_session` serves plain HTTP only (the local stack).
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
from clientele.access import store as api_keys
from clientele.core import clock
from clientele.core.errors import AuthenticationRequired, ValidationFailed
from clientele.core.tenancy import Principal

COOKIE = "clientele_session"
SECURE_COOKIE = f"__Host-{COOKIE}"
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
    fields: dict[str, Any] = {"keyId": principal.key_id, "keyHash": keys.secret_hash(secret_key)}
    fields |= {"keyHint": session.key_hint, "createdAt": clock.now(), "expiresAt": session.expires_at}
    fields["expiration"] = expires  # the table's TTL
    store.insert(keys.secret_hash(secret), fields)
    return secret, session


def cookie_name(*, secure: bool) -> str:
    return SECURE_COOKIE if secure else COOKIE


def secret_of(cookie_header: str | None, *, secure: bool) -> str:
    """The session secret in a Cookie header: exactly one well-formed cookie of the name the scheme
    uses. Two of that name (one planted beside ours) are as good as none."""
    name = cookie_name(secure=secure)
    values = [
        value
        for name_, _, value in (part.strip().partition("=") for part in (cookie_header or "").split(";"))
        if name_ == name
    ]
    if len(values) != 1 or not _SECRET.match(values[0]):
        raise AuthenticationRequired()
    return values[0]


def current(cookie_header: str | None, *, secure: bool) -> ConsoleSession:
    """The live session the cookie names: not signed out, not expired, its key not revoked."""
    secret = secret_of(cookie_header, secure=secure)
    item = store.find(keys.secret_hash(secret))
    if item is None or int(item["expiration"]) <= time.time():
        raise AuthenticationRequired()
    key = api_keys.find_by_hash(str(item["keyHash"]))  # the key's lookup item: deleted when it is revoked
    if key is None:
        raise AuthenticationRequired()
    principal, usage_identifier = keys.principal_of(key)
    return ConsoleSession(
        principal=principal,
        usage_identifier=usage_identifier,
        key_hint=str(item["keyHint"]),
        expires_at=str(item["expiresAt"]),
        csrf_token=csrf_token(secret),
    )


def authorize(cookie_header: str | None, token: str | None, *, secure: bool) -> ConsoleSession:
    """A console call: the live session, and the CSRF token that only its own pages can know."""
    session = current(cookie_header, secure=secure)
    if not token or not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise AuthenticationRequired()
    return session


def sign_out(cookie_header: str | None, token: str | None, *, secure: bool) -> None:
    authorize(cookie_header, token, secure=secure)
    store.delete(keys.secret_hash(secret_of(cookie_header, secure=secure)))


def set_cookie(secret: str, *, secure: bool) -> str:
    return _cookie(secret, LIFETIME_SECONDS, secure)


def clear_cookie(*, secure: bool) -> str:
    return _cookie("", 0, secure)


def _cookie(value: str, max_age: int, secure: bool) -> str:
    attributes = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")
    return f"{cookie_name(secure=secure)}={value}; {attributes}"
