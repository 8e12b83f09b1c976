"""`ClientPool`: the long-lived HTTP clients of a front end that sends many times.

The pool itself imports nothing heavy: the client (and httpx under it) is imported by the
first `get`, which the window makes on a worker, after its first paint.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smstester.core.client import ProxySettings, SmsClient, Timeouts


class ClientPool:
    """One long-lived SmsClient per TLS/timeout/proxy set-up, built on first use
    (thread-safe). The proxy settings are read again at each `get` (a dictionary walk of the
    environment, a registry or SystemConfiguration read on Windows and macOS), so a proxy
    switched on or off in the system's settings applies from the next send on."""

    def __init__(self) -> None:
        self._clients: dict[tuple[Timeouts | None, bool | str, ProxySettings, int], SmsClient] = {}
        self._lock = threading.Lock()

    def get(
        self, timeouts: Timeouts | None, verify: bool | str, *, max_body: int | None = None
    ) -> SmsClient:
        """The client for `timeouts`, `verify`, `max_body` (None: the send's limit) and
        today's proxies, made now if there is none yet."""
        from smstester.core.client import MAX_BODY, SmsClient, proxy_settings

        proxies = proxy_settings()
        limit = MAX_BODY if max_body is None else max_body
        key = (timeouts, verify, proxies, limit)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = SmsClient(
                    timeouts=timeouts, verify=verify, proxies=proxies, max_body=limit
                )
            return client

    def abort_all(self) -> None:
        """Abort every send in flight on any client (they stay usable)."""
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            client.abort()

    def close(self) -> None:
        """Close every client; a later `get` makes new ones."""
        with self._lock:
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            client.close()
