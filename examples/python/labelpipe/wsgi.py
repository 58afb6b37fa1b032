"""The WSGI app around WebhookConsumer, and a small threaded server for it."""

from __future__ import annotations

import json
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .consumer import WebhookConsumer

PATH = "/webhooks/label-studio"


def make_app(consumer: WebhookConsumer, path: str = PATH):
    def app(environ, start_response):
        if environ.get("PATH_INFO") != path:
            status, body = 404, {"error": "not found"}
        elif environ["REQUEST_METHOD"] != "POST":
            status, body = 405, {"error": "POST only"}
        else:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size)
            headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            status, body = consumer.handle(headers, raw)
        data = json.dumps(body).encode()
        reason = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            405: "Method Not Allowed",
        }
        start_response(
            f"{status} {reason[status]}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    return app


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(consumer: WebhookConsumer, host: str = "127.0.0.1", port: int = 0):
    """Serve the app from a background thread; returns (server, base URL).
    Stop it with server.shutdown(); server.server_close()."""
    server = make_server(
        host, port, make_app(consumer), server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="labelpipe", daemon=True).start()
    return server, f"http://{host}:{server.server_port}"
