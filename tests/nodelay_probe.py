"""Test-only Jupyter server extension: reports TCP_NODELAY of the server's own end of a client's connection.

tests/test_server_extension.py starts a real server with this module on PYTHONPATH and enabled on the command
line. ``GET /nodelay-probe?port=N`` (token-authenticated) finds the server process's TCP socket whose peer is
127.0.0.1:N (the client's local port) and answers ``{"nodelay": 0 or 1, "sockets": how many matched}``.
"""

from __future__ import annotations

import os
import socket

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web


def _jupyter_server_extension_points():
    return [{"module": "nodelay_probe"}]


def _load_jupyter_server_extension(serverapp):
    route = url_path_join(serverapp.web_app.settings["base_url"], "nodelay-probe")
    serverapp.web_app.add_handlers(".*$", [(route, NoDelayProbeHandler)])


def nodelay_of_socket_with_peer(port: int) -> list[int]:
    """TCP_NODELAY of every socket of this process connected to 127.0.0.1:port."""
    found = []
    for name in os.listdir("/dev/fd"):
        try:
            sock = socket.socket(fileno=int(name))
        except (OSError, ValueError):
            continue  # not a socket (or already gone)
        try:
            if sock.family == socket.AF_INET and sock.type == socket.SOCK_STREAM:
                if sock.getpeername() == ("127.0.0.1", port):
                    found.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        except OSError:
            pass  # a listening or unconnected socket
        finally:
            sock.detach()  # the fd belongs to the server; never close it
    return found


class NoDelayProbeHandler(JupyterHandler):
    @web.authenticated
    def get(self):
        found = nodelay_of_socket_with_peer(int(self.get_argument("port")))
        self.finish({"nodelay": int(bool(found[0])) if found else None, "sockets": len(found)})
