"""HTTP-level guards of the endpoint (`server.py`): CORS and nosniff on every response, request
heads over a size refused (431), and uvicorn's h11 protocol with a deadline for the request head."""

from __future__ import annotations

from typing import Any


class _CommonHeaders:
    """CORS and nosniff on every response (errors included); request heads over `max_head` refused
    with 431 (h11 bounds only a head that arrives in pieces: one that arrives whole passes it)."""

    def __init__(self, app: Any, max_head: int):
        self.app, self.max_head = app, max_head

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + sum(
            len(k) + len(v) + 4 for k, v in scope.get("headers", []))
        if size > self.max_head:
            body = f"request head over {self.max_head} bytes\n".encode()
            await send({"type": "http.response.start", "status": 431, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"), (b"access-control-allow-origin", b"*")]})
            await send({"type": "http.response.body", "body": body})
            return

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"access-control-allow-origin", b"*"), (b"x-content-type-options", b"nosniff")]
            await send(message)
        await self.app(scope, receive, wrapped)



def _protocol_class(request_timeout_s: float):
    """uvicorn's h11 protocol with a deadline for the request head: uvicorn itself waits for ever
    on a connection that sends nothing, or half a request line (slowloris)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        _head_timer = None
        _seen_cycle = None

        def _arm(self) -> None:
            if self._head_timer is None:
                self._head_timer = self.loop.call_later(request_timeout_s, self._head_timeout)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self._arm()  # waiting for a request head (a keep-alive connection starting its next one)
            super().data_received(data)
            if self.cycle is not None and self.cycle is not self._seen_cycle:
                self._seen_cycle = self.cycle
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return Protocol

