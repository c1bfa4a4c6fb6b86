"""The backprop_nodelay Jupyter server extension: installed with the package, on for every server, and it works.

Fast checks of the installed config and of the load function, then one real JupyterLab (no browser): its kernel
websocket, seen from the server's side of the TCP connection, has Nagle's algorithm off.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from jupyter_server.gateway.connections import GatewayWebSocketConnection
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

import backprop_nodelay

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS / "browser"))

import jupyter_driver  # noqa: E402

ENV_CONFIG = Path(sys.prefix) / "etc" / "jupyter"  # what jupyter_core calls ENV_CONFIG_PATH
SERVER_JSON = Path("jupyter_server_config.d") / "backprop_nodelay.json"
ENABLED = {"ServerApp": {"jpserver_extensions": {"backprop_nodelay": True}}}
VOILA_CLASS = "backprop_nodelay.NoDelayZMQChannelsWebsocketConnection"


@pytest.fixture
def only_the_environments_config(monkeypatch, tmp_path):
    """Jupyter config as a fresh user sees it: an empty user dir, no JUPYTER_CONFIG_PATH, cwd without config."""
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user-config"))
    monkeypatch.chdir(tmp_path)


def test_installing_the_package_put_the_config_in_the_environments_jupyter_config_dir():
    installed = ENV_CONFIG / SERVER_JSON
    assert installed.is_file(), f"{installed} is missing: reinstall with `pip install -e .`"
    assert json.loads(installed.read_text()) == ENABLED
    assert json.loads((ENV_CONFIG / "voila.json").read_text()) == {
        "Voila": {"kernel_websocket_connection_class": VOILA_CLASS}
    }
    # An editable install copies them once: the installed copies must be today's (else: pip install -e . again).
    assert installed.read_text() == (REPO / "jupyter-config" / SERVER_JSON).read_text()
    assert (ENV_CONFIG / "voila.json").read_text() == (REPO / "jupyter-config" / "voila.json").read_text()


def test_every_jupyter_server_of_the_environment_enables_the_extension(only_the_environments_config):
    from jupyter_core.paths import jupyter_config_path
    from jupyter_server.extension.config import ExtensionConfigManager

    assert str(ENV_CONFIG) in jupyter_config_path()
    # What ServerApp.find_server_extensions reads (jupyter lab, jupyter notebook, jupyter server, the hub's
    # single-user server), and how `jupyter server extension list` validates it.
    found = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    assert found.get("backprop_nodelay") is True
    points = backprop_nodelay._jupyter_server_extension_points()
    assert points == [{"module": "backprop_nodelay"}]
    assert callable(backprop_nodelay._load_jupyter_server_extension)


def test_a_server_finds_it_on_and_the_documented_flag_turns_it_off(only_the_environments_config):
    from jupyter_server.serverapp import ServerApp

    on = ServerApp()
    on.find_server_extensions()
    assert on.jpserver_extensions["backprop_nodelay"] is True
    off = ServerApp()
    off.parse_command_line(["--ServerApp.jpserver_extensions=backprop_nodelay=False"])
    off.find_server_extensions()
    assert off.jpserver_extensions["backprop_nodelay"] is False
    assert off.jpserver_extensions.get("jupyterlab") is True  # the others stay as they were


def test_standalone_voila_reads_the_connection_class_from_the_installed_voila_json(only_the_environments_config):
    from voila.app import Voila

    app = Voila()
    app.load_config_file("voila", path=app.config_file_paths)  # what Voila.initialize does
    assert app.kernel_websocket_connection_class is backprop_nodelay.NoDelayZMQChannelsWebsocketConnection
    assert issubclass(app.kernel_websocket_connection_class, ZMQChannelsWebsocketConnection)


def fake_serverapp(connection_class):
    return SimpleNamespace(
        web_app=SimpleNamespace(settings={"kernel_websocket_connection_class": connection_class}),
        kernel_websocket_connection_class=connection_class,
        log=logging.getLogger("fake-serverapp"),
    )


def test_loading_swaps_in_a_nodelay_connection_class_once_with_one_info_line(caplog):
    serverapp = fake_serverapp(ZMQChannelsWebsocketConnection)
    with caplog.at_level(logging.DEBUG, logger="fake-serverapp"):
        backprop_nodelay._load_jupyter_server_extension(serverapp)
        chosen = serverapp.web_app.settings["kernel_websocket_connection_class"]
        backprop_nodelay._load_jupyter_server_extension(serverapp)
    assert chosen is backprop_nodelay.NoDelayZMQChannelsWebsocketConnection
    assert serverapp.web_app.settings["kernel_websocket_connection_class"] is chosen
    assert serverapp.kernel_websocket_connection_class is chosen
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.INFO,
            "backprop_nodelay: kernel websockets send without Nagle delay (TCP_NODELAY), "
            "via backprop_nodelay.NoDelayZMQChannelsWebsocketConnection",
        )
    ]


def test_another_connection_class_is_kept_and_extended():
    serverapp = fake_serverapp(GatewayWebSocketConnection)
    backprop_nodelay._load_jupyter_server_extension(serverapp)
    chosen = serverapp.web_app.settings["kernel_websocket_connection_class"]
    assert chosen.__mro__[1:3] == (backprop_nodelay.NoDelayConnectionMixin, GatewayWebSocketConnection)
    assert backprop_nodelay.without_nagle(GatewayWebSocketConnection) is chosen  # same class every time


def test_connect_sets_nodelay_on_the_handler_then_connects_as_before():
    calls = []

    class Base:
        def __init__(self, handler):
            self.websocket_handler = handler

        def connect(self):
            calls.append("connect")
            return "the base's result"

    class Handler:
        ws_connection = object()

        def set_nodelay(self, value):
            calls.append(("set_nodelay", value))

    assert backprop_nodelay.without_nagle(Base)(Handler()).connect() == "the base's result"
    assert calls == [("set_nodelay", True), "connect"]
    assert backprop_nodelay.set_nodelay(SimpleNamespace(ws_connection=None)) is False  # closed: nothing to do


# --- one real server --------------------------------------------------------------------------------------------


async def _kernel_and_event_sockets(server, kernel_id: str) -> dict:
    """Open a kernel websocket (and ask the kernel for its info over it) and an events websocket; probe both."""
    from tornado.websocket import websocket_connect

    ws_base = server.base_url.replace("http://", "ws://")
    kernel = await websocket_connect(f"{ws_base}/api/kernels/{kernel_id}/channels?token={server.token}")
    events = await websocket_connect(f"{ws_base}/api/events/subscribe?token={server.token}")
    try:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "session": uuid.uuid4().hex}
        header |= {"username": "test", "date": "", "version": "5.3"}
        await kernel.write_message(
            json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell"})
        )
        reply = None
        deadline = time.monotonic() + 60
        while reply is None and time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(kernel.read_message(), timeout=60))
            if message["msg_type"] == "kernel_info_reply" and message["parent_header"].get("msg_id") == msg_id:
                reply = message
        probes = {}
        for name, connection in (("kernel", kernel), ("events", events)):
            port = connection.protocol.stream.socket.getsockname()[1]
            probes[name] = await asyncio.to_thread(server.api, f"nodelay-probe?port={port}")
        return {"reply": reply, "probes": probes}
    finally:
        kernel.close()
        events.close()


def test_a_real_jupyterlab_sends_kernel_messages_without_nagle_delay(tmp_path, monkeypatch):
    # The server sees the environment's config only (as `jupyter lab` does), plus the probe (tests/nodelay_probe.py).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    home = jupyter_driver.make_home("nodelay-test-")
    server = jupyter_driver.start_lab(tmp_path, home, extra_args=["--ServerApp.jpserver_extensions=nodelay_probe=True"])
    with jupyter_driver.serving(server):
        request = urllib.request.Request(
            server.url("api/kernels"), data=json.dumps({"name": "python3"}).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            kernel_id = json.loads(response.read())["id"]
        # A thread of its own: its asyncio loop never meets one already running here (e.g. playwright's).
        with ThreadPoolExecutor(max_workers=1) as pool:
            seen = pool.submit(asyncio.run, _kernel_and_event_sockets(server, kernel_id)).result(timeout=180)
        log = server.log()
    assert seen["reply"] is not None and seen["reply"]["content"]["status"] == "ok"
    # The server's end of the kernel websocket: Nagle off. Of the events websocket (stock tornado): still on,
    # so the probe tells the two apart and the extension is what made the difference.
    assert seen["probes"] == {"kernel": {"nodelay": 1, "sockets": 1}, "events": {"nodelay": 0, "sockets": 1}}
    assert log.count("backprop_nodelay: kernel websockets send without Nagle delay (TCP_NODELAY)") == 1
