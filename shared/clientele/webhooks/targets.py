"""Where a webhook may go, and the one HTTP request that takes it there.

Only https URLs whose host resolves to public addresses: never loopback, private (RFC 1918, unique
local IPv6), link-local, CGNAT (100.64/10), multicast, reserved or unspecified addresses, nor the
instance metadata service (169.254.169.254, fd00:ec2::254). The check runs when an endpoint is saved
and again at every delivery, and the delivery connects to the very address it checked (the Host
header and TLS name stay the URL's), so a name that resolves elsewhere a second later (DNS
rebinding) reaches nothing it should not. Redirects are not followed.

The local stack (WEBHOOKS_ALLOW_LOCAL=1, never set by template.yaml) also allows http and loopback
addresses, for a receiver on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from typing import NamedTuple
from urllib.parse import urlsplit

from clientele.core import settings

TIMEOUT_SECONDS = 10.0
MAX_ANSWER_BYTES = 64 * 1024  # read (and dropped) of an answer: enough to finish the exchange
USER_AGENT = "Clientele-Webhooks/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class UnsafeTarget(ValueError):
    """The URL may not receive webhooks; the message says why, for the caller's `url` field."""


class Target(NamedTuple):
    scheme: str
    host: str
    port: int
    path: str  # with its query string
    address: str  # the checked address the request connects to


def unsafe_reason(address: Address, *, allow_loopback: bool) -> str | None:
    """Why an address may not receive webhooks, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in _METADATA:
        return "the cloud metadata service"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if address.is_unspecified or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private address"
    return None


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(f"its host {host} does not resolve") from None
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UnsafeTarget(f"its host {host} does not resolve")
    return found


def target(url: str) -> Target:
    """The URL checked and resolved: every address its host resolves to must be safe (one unsafe
    address among safe ones is refused too: which one a client picks is not ours to know)."""
    allow_local = settings.current().webhooks_allow_local
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeTarget("must be an absolute https URL") from None
    schemes = ("https", "http") if allow_local else ("https",)
    if parts.scheme.lower() not in schemes or not parts.hostname:
        raise UnsafeTarget("must be an absolute https URL")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("must not carry a user name or password")
    scheme = parts.scheme.lower()
    host = parts.hostname
    port = port or (443 if scheme == "https" else 80)
    addresses = _resolve(host, port)
    for address in addresses:
        reason = unsafe_reason(address, allow_loopback=allow_local)
        if reason is not None:
            raise UnsafeTarget(f"its host {host} resolves to {reason} ({address})")
    if scheme == "http" and not all(address.is_loopback for address in addresses):
        raise UnsafeTarget("must be an https URL (http only to this machine, in the local stack)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, str(addresses[0]))


class Answer(NamedTuple):
    status: int | None
    duration_ms: int
    error: str | None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """http.client to a checked address, whatever the host's name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POSTs `body` once: the answer's status, how long it took, and what went wrong if anything did.
    An unsafe URL is an answer with no status (nothing is sent)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        where = target(url)
    except UnsafeTarget as unsafe:
        return Answer(None, took(), f"not sent: the URL {unsafe}")
    kind = _PinnedHTTPSConnection if where.scheme == "https" else _PinnedHTTPConnection
    connection = kind(where.host, where.port, where.address, TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            where.path,
            body=body,
            headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
        )
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)
        return Answer(response.status, took(), None if 200 <= response.status < 300 else f"HTTP {response.status}")
    except (OSError, http.client.HTTPException) as failure:
        return Answer(None, took(), f"{type(failure).__name__}: {failure}"[:300])
    finally:
        connection.close()
