"""Serve the built site (_build/html) on localhost: `make serve`, and the browser test.

    python tools/serve.py [directory] [--port N]     (default _build/html, port 8000; 0 = any free port)

Serves only on 127.0.0.1. The browser test (tests/test_browser.py) starts the same
server with `start()` on a free port in a background thread.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files; logs nothing (the test reads the browser's network log instead)."""

    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


def make_server(directory: Path, port: int = 0, quiet: bool = True) -> http.server.ThreadingHTTPServer:
    """An HTTP server for `directory` on 127.0.0.1:port (port 0: a free port), not yet started."""
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise FileNotFoundError(f"{directory}/index.html does not exist: build the site first (make book)")
    handler_class = QuietHandler if quiet else http.server.SimpleHTTPRequestHandler
    handler = functools.partial(handler_class, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def address(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def start(directory: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve `directory` from a daemon thread; return the server (call .shutdown()) and its URL."""
    server = make_server(directory, port)
    threading.Thread(target=server.serve_forever, name="site-server", daemon=True).start()
    return server, address(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(SITE),
                        help="the built site (default: _build/html)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port on 127.0.0.1 (default 8000; 0 = any free port)")
    arguments = parser.parse_args(argv)
    try:
        server = make_server(Path(arguments.directory), arguments.port, quiet=False)
    except (FileNotFoundError, OSError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    print(f"Serving {Path(arguments.directory).resolve()} at {address(server)}  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
