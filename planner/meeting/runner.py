"""Run the meeting page: a uvicorn server on a socket of its own, in the foreground or not.

:func:`listen` binds the socket first (so port 0 gets a free port and the address is known
before the server starts), :func:`address` makes the address with the token, and
:func:`run_in_thread` serves from a background thread (a notebook's ``planner.meeting``).
"""

from __future__ import annotations

import socket
import threading
import time
import warnings

import uvicorn
from fastapi import FastAPI

__all__ = ["LOOPBACK", "address", "listen", "run_in_thread", "server"]

#: The only interface served unless the planner names another (``--host``).
LOOPBACK = "127.0.0.1"


def listen(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """Return a listening socket on ``host``:``port`` (0: a free port).

    Another host than the loopback is served with a warning: anyone who reaches it and has
    the token can change the proposal.
    """
    if host not in (LOOPBACK, "localhost", "::1"):
        warnings.warn(f"planner serve: listening on {host}, not only on this computer; "
                      "anyone on the network with the address can use the page",
                      stacklevel=2)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def address(sock: socket.socket, token: str) -> str:
    """Return the page's address on ``sock`` with the token."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def server(app: FastAPI) -> uvicorn.Server:
    """Return a quiet uvicorn server of ``app`` (warnings and errors only)."""
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False,
                                         lifespan="off", timeout_graceful_shutdown=2))


def run_in_thread(app: FastAPI, sock: socket.socket, timeout_s: float = 10.0
                  ) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve ``app`` on ``sock`` from a daemon thread; return once it accepts requests."""
    srv = server(app)
    srv.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="planner-serve")
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("planner serve: the server did not start")
        time.sleep(0.02)
    return srv, thread
