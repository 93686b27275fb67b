"""Fetching a file another site serves, when the address came from a file
someone uploaded (an import's ``<img src>``), not from the blog's own code.

The address is the uploader's to choose, so the server must not become
their way into its own network (SSRF): only ``http`` and ``https``; a host
that resolves to a loopback, private, link-local or otherwise non-public
address is refused, unless the run names that host in ``allowed_hosts`` (an
old blog on the same network, a test's local server); the connection goes
to the address that was checked, so a name that resolves differently a
moment later (DNS rebinding) gains nothing; each redirect is checked the
same way before it is followed. A download stops at ``max_bytes`` and at
``timeout`` seconds in all, however slowly the server drips its answer.

The standard library's ``http.client`` does this in a page; urllib would
follow redirects and proxies on its own, and requests would be a
dependency for one function.
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import BinaryIO
from urllib.parse import quote, urljoin, urlsplit

from django.template.defaultfilters import filesizeformat

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}


class Refused(Exception):
    """The file was not fetched; the message says why, for a summary."""


class PrivateAddress(Refused):
    """Refused because the host is on a private or local address: the one
    refusal a run can lift, by allowing the host."""


@dataclass(frozen=True)
class Policy:
    timeout: float = 10.0  # seconds for the whole download, redirects included
    max_bytes: int = 5 * 1024 * 1024
    # Hosts fetched even when they resolve to a private or local address.
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    def allows(self, host: str) -> bool:
        return host.lower().strip("[]") in {name.lower().strip("[]") for name in self.allowed_hosts}


def public_address(address: str) -> bool:
    """Whether an address is on the public internet: not loopback, private,
    link-local, shared (carrier NAT), multicast or reserved."""
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int, policy: Policy) -> list[str]:
    """The addresses to connect to: every address the name has must be
    public (a name with one private address among public ones could be
    steered to it), unless the run allows this host."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"the host {host} was not found") from error
    addresses = [info[4][0] for info in infos]
    if not policy.allows(host):
        for address in addresses:
            if not public_address(address):
                said = host if address == host else f"{host} resolves to {address}, which"
                raise PrivateAddress(f"{said} is a private or local address")
    return addresses


class _Deadline:
    """Shuts the connection when the time is up: a socket timeout counts
    from the last byte, so a server sending one byte a second would never
    trip it."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.expired = False
        self.timer: threading.Timer | None = None

    def left(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            self.expired = True
            raise TimeoutError
        return left

    def watch(self, connection: http.client.HTTPConnection) -> None:
        def expire():
            self.expired = True
            sock = connection.sock  # closing the connection meanwhile sets it to None
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        self.cancel()
        self.timer = threading.Timer(self.left(), expire)
        self.timer.daemon = True
        self.timer.start()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _connection(scheme: str, host: str, port: int, addresses: list[str], timeout: float) -> http.client.HTTPConnection:
    """A connection to one of the checked ``addresses`` (the first that
    answers) that speaks to ``host``: its Host header, and for https its
    SNI and the certificate's name."""
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_to_checked_address(_, timeout, source_address):
        for address in addresses[:-1]:
            with contextlib.suppress(OSError):
                return socket.create_connection((address, port), timeout, source_address)
        return socket.create_connection((addresses[-1], port), timeout, source_address)

    connection._create_connection = connect_to_checked_address
    return connection


def _target(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and request path of an address that may be fetched."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused("not a valid address") from error
    if parts.scheme not in ("http", "https"):
        raise Refused("only http and https addresses are fetched")
    if not parts.hostname:
        raise Refused("the address has no host")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise Refused(f"{parts.hostname} is not a valid host name") from error
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path


def fetch(url: str, into: BinaryIO, policy: Policy) -> None:
    """Write what ``url`` serves into ``into``, or raise ``Refused``."""
    deadline = _Deadline(policy.timeout)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            location = _fetch_once(url, into, policy, deadline)
            if location is None:
                return
            url = urljoin(url, location)
        raise Refused(f"more than {MAX_REDIRECTS} redirects")
    except TimeoutError as error:
        raise Refused(f"no complete answer within {policy.timeout:g} seconds") from error
    finally:
        deadline.cancel()


def _fetch_once(url: str, into: BinaryIO, policy: Policy, deadline: _Deadline) -> str | None:
    """One request; the address it redirects to, or None once the body is written."""
    scheme, host, port, path = _target(url)
    addresses = _resolve(host, port, policy)
    connection = _connection(scheme, host, port, addresses, min(policy.timeout, deadline.left()))
    try:
        deadline.watch(connection)
        connection.request("GET", path, headers={"Accept": "image/*", "User-Agent": "skolr-blog-importer"})
        response = connection.getresponse()
        if response.status in REDIRECTS:
            if not (location := response.getheader("Location")):
                raise Refused(f"a redirect ({response.status}) to nowhere")
            return location
        if response.status != 200:
            raise Refused(f"the server answered {response.status} {response.reason}".rstrip())
        too_big = Refused(f"larger than {filesizeformat(policy.max_bytes)}".replace("\xa0", " "))
        length = response.getheader("Content-Length", "")
        if length.isdigit() and int(length) > policy.max_bytes:
            raise too_big
        received = 0
        while chunk := response.read1(CHUNK):
            received += len(chunk)
            if received > policy.max_bytes:
                raise too_big
            into.write(chunk)
            deadline.left()
        if deadline.expired:
            raise TimeoutError
        if length.isdigit() and received < int(length):
            raise Refused(f"the answer broke off after {received} of {length} bytes")
        return None
    except ssl.SSLError as error:
        if deadline.expired:
            raise TimeoutError from error
        raise Refused(f"no secure connection to {host} ({error.reason or error})") from error
    except http.client.HTTPException as error:
        if deadline.expired:
            raise TimeoutError from error
        raise Refused(f"not a valid HTTP answer from {host}") from error
    except (TimeoutError, Refused):
        raise
    except OSError as error:
        if deadline.expired:
            raise TimeoutError from error
        raise Refused(f"could not connect to {host} ({error.strerror or error})") from error
    finally:
        connection.close()
