"""Start JupyterLab or Voila in isolation and drive it with headless Chromium (playwright).

Shared by the browser tests (tests/browser) and benchmarks/browser_latency.py. Nothing here
asserts; the tests decide what is a failure.
"""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIRS = ("lessons", "notebooks")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The code cells of a notebook report "[3]:" when done, "[*]:" while queued or running.
DONE_PROMPT = r"^\[\d+\]:$"


def find_chromium() -> str | None:
    """Debian's chromium, or the one named by $CHROMIUM; None when there is none."""
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    resolved = shutil.which(candidate)
    return resolved


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def course_root() -> Path:
    """Where the notebooks under test come from: the repo, or $BROWSER_TESTS_COURSE (a folder with the same
    lessons/ and notebooks/ layout, e.g. to try the harness on scratch notebooks)."""
    return Path(os.environ.get("BROWSER_TESTS_COURSE") or REPO).resolve()


def has_explorer(notebook: Path) -> bool:
    """Whether a notebook builds a live explorer (some code cell calls Explorer(...), not DescentExplorer(...))."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return any(cell["cell_type"] == "code" and re.search(r"\bExplorer\(", "".join(cell["source"])) for cell in cells)


def cells_raising_on_purpose(notebook: Path) -> frozenset[int]:
    """Indices of the cells tagged raises-exception: their error output is part of the lesson."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return frozenset(
        i for i, cell in enumerate(cells) if "raises-exception" in cell.get("metadata", {}).get("tags", [])
    )


def discover_notebooks(root: Path = REPO) -> list[Path]:
    """Every committed notebook of the course, relative to the repo root, in lesson order."""
    found = []
    for folder in NOTEBOOK_DIRS:
        found += sorted(p.relative_to(root) for p in (root / folder).glob("*.ipynb"))
    return found


def copy_course(destination: Path, root: Path = REPO) -> Path:
    """Copy lessons/ and notebooks/ so running cells never touches the committed notebooks."""
    for folder in NOTEBOOK_DIRS:
        if (root / folder).is_dir():
            shutil.copytree(root / folder, destination / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return destination


def isolated_env(home: Path) -> dict[str, str]:
    """Environment for a server whose config, data, settings and kernels see nothing of the user's setup.

    The environment's own config (<sys.prefix>/etc/jupyter, where installing this package puts the
    backprop_nodelay server extension and voila.json) still applies, as for any server of the environment.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON", "MPL"))}
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": home / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": home / "lab-workspaces",
        "IPYTHONDIR": home / "ipython",
        "MPLCONFIGDIR": home / "matplotlib",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    # Nothing may reach the network: the news feed and the update check are off.
    server_config = {
        "LabApp": {
            "news_url": None,
            "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            "extension_manager": "readonly",
        }
    }
    (dirs["JUPYTER_CONFIG_DIR"] / "jupyter_server_config.json").write_text(json.dumps(server_config))
    # User settings of JupyterLab: never ask about news (that toast intercepts clicks).
    notification = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return env


@dataclass
class Server:
    """A JupyterLab or Voila process that this code started, and how to reach it."""

    kind: str
    process: subprocess.Popen
    port: int
    token: str
    home: Path
    log_path: Path
    base_url: str = field(init=False)

    def __post_init__(self):
        self.base_url = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        separator = "&" if "?" in path else "?"
        return f"{self.base_url}/{path.lstrip('/')}" + (f"{separator}token={self.token}" if self.token else "")

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def shutdown_kernels(self):
        """Stop every kernel of a JupyterLab server (each test ends with its kernel stopped)."""
        for session in self.api("api/sessions"):
            self.api(f"api/sessions/{session['id']}", method="DELETE")
        for kernel in self.api("api/kernels"):
            self.api(f"api/kernels/{kernel['id']}", method="DELETE")


def _wait_until_ready(server: Server, probe: str, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.kind} exited with {server.process.returncode}:\n{server.log()[-3000:]}")
        try:
            urllib.request.urlopen(server.url(probe), timeout=5).read()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError(f"{server.kind} did not answer {probe} within {timeout} s:\n{server.log()[-3000:]}")


def start_lab(
    root_dir: Path, home: Path, timeout: float = 120, extra_args: Sequence[str] = (), launcher: Sequence[str] = ()
) -> Server:
    """JupyterLab on 127.0.0.1, a free port and a random token, serving root_dir.

    ``launcher`` is the command before the options (default ``python -m jupyterlab``; the benchmark uses the
    ``jupyter lab`` command); ``extra_args`` come after them.
    """
    port, token = free_port(), secrets.token_hex(24)
    env = isolated_env(home)
    command = list(launcher or [sys.executable, "-m", "jupyterlab"]) + [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}", "--ServerApp.terminals_enabled=False",
    ] + _as_root() + list(extra_args)  # fmt: skip
    return _start(
        Server("jupyterlab", _spawn(command, env, home, root_dir), port, token, home, home / "server.log"),
        "api/status",
        timeout,
    )


def start_voila(notebook: Path, home: Path, timeout: float = 120) -> Server:
    """Voila serving one notebook as an app (code cells stripped), like `make present`."""
    port = free_port()
    env = isolated_env(home)
    command = [
        str(Path(sys.executable).with_name("voila")), str(notebook), "--no-browser",
        "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0", "--theme=light", "--strip_sources=True",
    ]  # fmt: skip
    return _start(
        Server("voila", _spawn(command, env, home, notebook.parent), port, "", home, home / "server.log"), "", timeout
    )


def _as_root() -> list[str]:
    # Containers and CI runners often run as root; jupyter refuses that without being told.
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def _spawn(command, env, home: Path, cwd: Path) -> subprocess.Popen:
    log = open(home / "server.log", "wb")  # noqa: SIM115 - the child owns it for its whole life
    # A session of its own, so stopping it never signals the test runner.
    return subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _start(server: Server, probe: str, timeout: float) -> Server:
    try:
        _wait_until_ready(server, probe, timeout)
    except BaseException:
        stop(server)
        raise
    return server


def processes_mentioning(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose command line contains marker, from ps."""
    out = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        pid, _, args = line.strip().partition(" ")
        if marker in args and int(pid) != os.getpid():
            found.append((int(pid), args))
    return found


def leftover_processes(server: Server) -> list[tuple[int, str]]:
    """Processes still alive from this server: itself, or kernels (their connection file is in its runtime dir)."""
    alive = [(server.process.pid, "server")] if server.process.poll() is None else []
    return alive + processes_mentioning(str(server.home))


def stop(server: Server, timeout: float = 30) -> list[tuple[int, str]]:
    """Stop the server (it stops its kernels on SIGTERM); returns what was still alive and had to be killed."""
    if server.process.poll() is None:
        try:
            if server.kind == "jupyterlab":
                server.shutdown_kernels()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)
    # Kernels run in sessions of their own; give a slow one a moment to exit after the server told it to.
    deadline = time.monotonic() + 15
    while (left := leftover_processes(server)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def make_home(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


# --- reading pixels -----------------------------------------------------------------------------------------


def decode_png(png: bytes) -> np.ndarray:
    """RGB(A) floats in [0, 1], shape (height, width, channels)."""
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png")


def looks_blank(pixels: np.ndarray) -> bool:
    """True for an image of (nearly) one colour: nothing drawn."""
    rgb = pixels[..., :3]
    return float(rgb.std()) < 0.01 or len(np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)) < 4


def changed_fraction(before: np.ndarray, after: np.ndarray) -> float:
    """Share of pixels that differ between two screenshots of the same element (1.0 if the size changed)."""
    if before.shape != after.shape:
        return 1.0
    return float(np.any(np.abs(before - after) > 1e-3, axis=-1).mean())


@contextmanager
def serving(server: Server):
    """Yield the started server; stop it afterwards and fail if anything of it had to be killed."""
    try:
        yield server
    finally:
        left = stop(server)
        log = server.log()
        shutil.rmtree(server.home, ignore_errors=True)
        assert not left, f"processes left after stopping {server.kind} (killed now): {left}\n{log[-2000:]}"
