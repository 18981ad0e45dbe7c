"""A local HTTP server for the bench page: 127.0.0.1 only, a fixed set of files, isolation headers.

It serves exactly the routes it was given (the page, the runtime files, the model's files, the
input arrays) and nothing else: a model.json that names ``../../secret`` as a weight shard gets a
404, never a file outside what was registered. Every response carries the cross-origin isolation
headers (``COOP: same-origin``, ``COEP: require-corp``, ``CORP: same-origin``), so the page may
use SharedArrayBuffer and the WebAssembly runtimes their threads; ``.wasm`` goes out as
``application/wasm`` so it compiles while it streams.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

__all__ = ["ISOLATION_HEADERS", "LocalServer", "serving"]

ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_TYPES = {
    ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript",
    ".json": "application/json", ".wasm": "application/wasm", ".tflite": "application/octet-stream",
    ".bin": "application/octet-stream",
}


class LocalServer:
    """Serves registered routes on 127.0.0.1 at a free port, from a background thread."""

    def __init__(self) -> None:
        self._routes: dict[str, Path | bytes] = {}
        self._lock = threading.Lock()
        self.misses: list[str] = []
        routes, lock, misses = self._routes, self._lock, self.misses

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = unquote(urlsplit(self.path).path)
                with lock:
                    body = routes.get(path)
                if body is None:
                    misses.append(path)
                    self._reply(404, b"not found", "text/plain")
                    return
                data = body if isinstance(body, bytes) else body.read_bytes()
                self._reply(200, data, _TYPES.get(PurePosixPath(path).suffix, "application/octet-stream"))

            def _reply(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in ISOLATION_HEADERS.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                """Quiet: the page's own console is what a failed run reports."""

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, route: str, body: Path | bytes) -> str:
        """Serve BODY (a file, read on each request, or bytes) at ROUTE (``/a/b.js``); returns the URL."""
        if not route.startswith("/") or ".." in PurePosixPath(route).parts:
            raise ValueError(f"not a plain absolute route: {route!r}")
        with self._lock:
            self._routes[route] = body
        return self.origin + route

    def remove_prefix(self, prefix: str) -> None:
        """Stop serving every route under PREFIX."""
        with self._lock:
            for route in [r for r in self._routes if r.startswith(prefix)]:
                del self._routes[route]

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def serving() -> Iterator[LocalServer]:
    """A started LocalServer, shut down on leaving the block."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.close()
