"""Jupyter server extension: kernel websockets send small messages at once (TCP_NODELAY, no Nagle delay).

A live view (ipympl, ipywidgets) sends a burst of small messages per change. jupyter_server leaves Nagle's
algorithm on for its kernel websockets, so a small frame written while an earlier one is still unacknowledged
waits for the browser's delayed ACK (up to ~40 ms on Linux). Measured with benchmarks/browser_latency.py: all
three explorer views painted p50 95 -> 63 ms. Turning it off changes nothing else.

How it is switched on: installing the package (``pip install .`` or ``pip install -e .``) puts two config files
into ``<sys.prefix>/etc/jupyter/``:

- ``jupyter_server_config.d/backprop_nodelay.json`` enables this module as a server extension, so every
  jupyter_server in that environment loads it: ``jupyter lab``, ``jupyter notebook`` (Notebook 7),
  ``jupyter server``, ``jupyterhub-singleuser`` and Voila run as a server extension;
- ``voila.json`` sets ``Voila.kernel_websocket_connection_class`` for the standalone ``voila`` command, which
  runs its own tornado application and loads no server extensions.

The hook is jupyter_server's configurable kernel websocket connection class (``kernel_websocket_connection_class``):
its ``connect()`` is called from the websocket handler's ``open()``, once the websocket is established, which is
where tornado's documentation says to call ``WebSocketHandler.set_nodelay(True)``. Nothing is monkeypatched; the
server's own class (e.g. the gateway connection) is kept and only extended.

Turn it off for one server with ``--ServerApp.jpserver_extensions=backprop_nodelay=False`` (Voila:
``--Voila.kernel_websocket_connection_class=jupyter_server.services.kernels.connection.channels.ZMQChannelsWebsocketConnection``),
or with ``jupyter server extension disable backprop_nodelay`` (it rewrites the installed json of the environment
until the next install; ``--user`` writes the user's config instead).
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

EXTENSION = "backprop_nodelay"
SETTING = "kernel_websocket_connection_class"


def set_nodelay(websocket_handler) -> bool:
    """Turn Nagle's algorithm off on an established websocket; False when it is not (or no longer) open."""
    if websocket_handler is None or getattr(websocket_handler, "ws_connection", None) is None:
        return False
    websocket_handler.set_nodelay(True)
    return True


class NoDelayConnectionMixin:
    """For a kernel websocket connection class: TCP_NODELAY on the websocket before the kernel is connected."""

    def connect(self):
        set_nodelay(self.websocket_handler)
        return super().connect()


class NoDelayZMQChannelsWebsocketConnection(NoDelayConnectionMixin, ZMQChannelsWebsocketConnection):
    """jupyter_server's default kernel websocket connection, without Nagle delay (named in voila.json)."""


_derived: dict[type, type] = {ZMQChannelsWebsocketConnection: NoDelayZMQChannelsWebsocketConnection}


def without_nagle(connection_class: type) -> type:
    """The same connection class with TCP_NODELAY on connect (itself when it already has it)."""
    if issubclass(connection_class, NoDelayConnectionMixin):
        return connection_class
    if connection_class not in _derived:
        _derived[connection_class] = type(
            f"NoDelay{connection_class.__name__}",
            (NoDelayConnectionMixin, connection_class),
            {"__module__": __name__, "__doc__": f"{connection_class.__qualname__} with TCP_NODELAY on connect."},
        )
    return _derived[connection_class]


def _jupyter_server_extension_points():
    return [{"module": EXTENSION}]


def _load_jupyter_server_extension(serverapp):
    """Make the server's kernel websockets use TCP_NODELAY (idempotent: a second call changes nothing)."""
    settings = serverapp.web_app.settings
    current = settings.get(SETTING)
    if current is None:
        serverapp.log.warning(
            "%s: this jupyter_server has no %s setting; Nagle's algorithm stays on", EXTENSION, SETTING
        )
        return
    chosen = without_nagle(current)
    if chosen is current:
        return
    settings[SETTING] = chosen
    serverapp.kernel_websocket_connection_class = chosen  # the server closes its sockets through this at exit
    serverapp.log.info(
        "%s: kernel websockets send without Nagle delay (TCP_NODELAY), via %s.%s",
        EXTENSION,
        chosen.__module__,
        chosen.__qualname__,
    )
