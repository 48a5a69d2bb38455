"""The one way the test servers listen: pytest-httpserver's server on loopback, in a background thread, quiet.

Every service answers all its requests itself (one catch-all handler), as the real service it imitates routes
its own paths; pytest-httpserver gives it the listening, the threads and TLS. Each fault a service injects is an
answer it gives (503, 429 with Retry-After, 424), except a lost answer, which `hang_up` gives on werkzeug's socket.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

# werkzeug logs every request at INFO; the test services answer quietly, as a real service's log is not the test's.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

_EVERY_PATH = re.compile(".*")


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """`body` as JSON (None: no body), under the reason phrase http.server gives (werkzeug's are in capitals)."""
    data = b"" if body is None else json.dumps(body).encode()
    return Response(data, f"{status} {HTTPStatus(status).phrase}", headers, content_type="application/json")


def hang_up(request: Request) -> Response:
    """Cut the connection without a word: the client sees its answer lost on the way.

    werkzeug's write of the answer returned then fails as a dropped connection, which it ignores.
    """
    request.environ["werkzeug.socket"].shutdown(socket.SHUT_RDWR)
    return Response(status=500)


class LocalServer:
    """Answers every request with `respond(request)`, until `close()`."""

    def __init__(
        self, respond: Callable[[Request], Response], *, host: str = "127.0.0.1", port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:  # fmt: skip
        # Threaded, as the clients under test may send requests side by side; werkzeug closes every
        # connection after its answer and joins the request threads on stop, so none outlives the test
        # (threads left running stop dlscan from forking).
        self._server = HTTPServer(host, port, ssl_context=tls, threaded=True)
        self._server.expect_request(_EVERY_PATH).respond_with_handler(respond)
        self._server.start()
        self.url = self._server.url_for("/").rstrip("/")

    @property
    def answered(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every answer, from pytest-httpserver's log: what a test holds a fault to."""
        return [(request.method, request.path, response.status_code) for request, response in self._server.log]

    def close(self) -> None:
        if self._server.is_running():
            self._server.stop()
        # A service that raised was answered 500 by werkzeug, which a client under test retries like a
        # scripted fault: the test must hear of the service's own bug instead.
        self._server.check_handler_errors()


class JsonHandler:
    """One request to a service that reads and answers JSON: what the local services of the tests share.

    A subclass answers a method with `do_<METHOD>`, returning `self.reply(...)`.
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        self.command = request.method
        # The request target as the client wrote it, not percent-decoded: Graph's paths are matched as sent.
        self.path: str = request.environ["RAW_URI"]
        self.headers = request.headers

    def respond(self) -> Response:
        answer = getattr(self, f"do_{self.command}", None)
        if answer is None:
            return self.reply(501, {}, {"error": {"code": "NotImplemented", "message": f"no {self.command} here"}})
        return answer()

    def read_json(self) -> Any:
        return json.loads(self.request.get_data() or b"{}")

    def reply(self, status: int, headers: dict[str, str], body: Any) -> Response:
        return json_answer(status, body, headers)


class LocalService:
    """A service of the tests on loopback, as a context manager: `with GraphServer(...) as server:`."""

    def __init__(self, handler: type[JsonHandler], **listening: Any) -> None:
        self._listening = LocalServer(lambda request: handler(request).respond(), **listening)
        self.url = self._listening.url

    @property
    def answered(self) -> list[tuple[str, str, int]]:
        return self._listening.answered

    def close(self) -> None:
        self._listening.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
