"""The HTTP side: one static page and one JSON endpoint, on the standard library's server.

The page is self-contained (inline CSS, JS and SVG), so it works with no network at all.
"""

from __future__ import annotations

import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files

import orjson

from dashboard.lake import Lake

PAGE = files("dashboard").joinpath("page.html")
SUMMARY_PATH = "/api/summary"


def make_server(lake: Lake, host: str, port: int) -> ThreadingHTTPServer:
    """A server bound to host:port (port 0 picks a free one); the caller runs it."""
    page = PAGE.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        server_version = "order-dashboard"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            path = self.path.split("?", 1)[0]
            if path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page)
            elif path == SUMMARY_PATH:
                try:
                    body = orjson.dumps(lake.summary())
                except Exception as exc:  # a half-written table must not kill the server
                    print(f"dashboard: reading the lake failed: {exc}", file=sys.stderr)
                    error = {"status": "error", "message": f"Reading the lake failed: {exc}"}
                    self._send(
                        HTTPStatus.INTERNAL_SERVER_ERROR, "application/json", orjson.dumps(error)
                    )
                    return
                self._send(HTTPStatus.OK, "application/json", body)
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")

        def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            """Quiet: the page polls every few seconds."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
