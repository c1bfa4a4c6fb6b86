"""Key press to new frame, in a real browser: the explorer in JupyterLab, driven by headless Chromium.

Prints JSON only. Opens a scratch notebook (in a temporary folder) that shows
``Explorer(*office_hours_example())``, focuses the w5 slider and presses an arrow key, again and again.
For every press the page itself records, on one clock (performance.now):

- the keydown event's timestamp (the start),
- every websocket message sent and received (sizes, to tell frames from small messages),
- every ipympl canvas repaint (a drawImage onto a figure's visible canvas), and the next animation
  frame after it (when the browser can put the new pixels on screen).

Latency of a press = first repaint of the network diagram after the key, and the next animation frame
after it ("shown"). The breakdown splits it into the browser sending the change, the kernel answering
with a frame (compute, render, encode, transfer), and decoding plus painting. "messages_sent_per_press"
counts what the browser sends to the kernel per press (the change, and its answers to the "draw" events
that confirm frames), each a kernel request that Lab also shows as busy/idle. Nothing here asserts: the
figures are for people to read.

    .venv/bin/python benchmarks/browser_latency.py [--moves 40] [--views network,surface,steps] [--stock-server]

The server is the plain ``jupyter lab`` command of this environment, with no config from the repository (only a
private port, token, root and user dirs): it loads the backprop_nodelay server extension because installing the
package enabled it (Nagle's algorithm off on the kernel websockets, which jupyter_server 2 leaves on, so a small
message written while an earlier one waits for its TCP acknowledgement is not held until the browser's delayed
ACK, up to ~40 ms). ``--stock-server`` measures the same command with the extension switched off
(``--ServerApp.jpserver_extensions=backprop_nodelay=False``), as a server without this package would run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import jupyter_driver  # noqa: E402
import lab_page  # noqa: E402

TARGET_MS = {"p50": 50.0, "p90": 100.0}
JUPYTER_LAB = [str(Path(sys.executable).with_name("jupyter")), "lab"]
STOCK_ARGS = ("--ServerApp.jpserver_extensions=backprop_nodelay=False",)
EXTENSION_LOG_LINE = "backprop_nodelay: kernel websockets send without Nagle delay"
# A frame is a binary websocket message carrying a PNG; everything else (comm updates, status) is small.
FRAME_BYTES = 1500

INSTRUMENT = """
(() => {
  const events = [];
  window.__latency = events;
  const now = () => performance.now();
  document.addEventListener('keydown', event => events.push({kind: 'key', t: event.timeStamp}), true);
  const size = data => typeof data === 'string' ? data.length : (data.byteLength ?? data.size ?? 0);
  const NativeWebSocket = window.WebSocket;
  class TimedWebSocket extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', event => events.push({kind: 'recv', t: now(), size: size(event.data)}));
    }
    send(data) {
      events.push({kind: 'send', t: now(), size: size(data)});
      return super.send(data);
    }
  }
  window.WebSocket = TimedWebSocket;
  // The floor: a plain slider whose observer writes a label (the messaging path, no figure at all).
  new MutationObserver(records => {
    if (records.some(r => (r.target.nodeType === 1 ? r.target : r.target.parentElement)?.closest('.latency-floor')))
      events.push({kind: 'text', t: now()});
  }).observe(document, {subtree: true, childList: true, characterData: true});
  // ipympl turns each received frame into a blob URL for an Image; from here on it is the browser's decode.
  const nativeCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = function (object) {
    if (object instanceof Blob && object.type.startsWith('image/')) events.push({kind: 'blob', t: now()});
    return nativeCreateObjectURL.call(this, object);
  };
  const nativeDrawImage = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const result = nativeDrawImage.apply(this, args);
    const figures = [...document.querySelectorAll('.jupyter-matplotlib-canvas-div')];
    const index = figures.findIndex(div => div.querySelector('canvas') === this.canvas);
    if (index >= 0) {
      const drawn = now();
      events.push({kind: 'draw', t: drawn, canvas: index});
      requestAnimationFrame(() => events.push({kind: 'frame', t: now(), canvas: index, drawn}));
    }
    return result;
  };
})();
"""


def scratch_notebook(folder: Path, views: tuple[str, ...], prelude: str = "") -> Path:
    import nbformat

    source = (
        prelude
        + "\n"
        + (
            "import json, time\n"
            "from helpers import office_hours_example\n"
            "from helpers.widgets import Explorer\n\n"
            f"explorer = Explorer(*office_hours_example(), views={views!r})\n"
            "explorer"
        )
    )
    # Kernel-side cost of one change (state, views, whatever the explorer sends), timed where it happens,
    # while the kernel is busy with this cell (nothing from the browser interleaves). Then the floor widgets.
    timing = (
        "import ipywidgets\n\n"
        "def kernel_change_ms(moves=30):\n"
        "    slider = explorer.controls['w5']\n"
        "    start_value, spent = slider.value, []\n"
        "    for i in range(moves):\n"
        "        began = time.perf_counter()\n"
        "        slider.value = start_value + (0.01 if i % 2 == 0 else 0.0)\n"
        "        spent.append((time.perf_counter() - began) * 1000)\n"
        "    slider.value = start_value\n"
        "    return spent\n\n"
        "floor_slider = ipywidgets.IntSlider(description='floor', max=1000)\n"
        "floor_label = ipywidgets.Label('0').add_class('latency-floor')\n"
        "floor_slider.observe(lambda change: setattr(floor_label, 'value', str(change['new'])), 'value')\n"
        "display(ipywidgets.HBox([floor_slider, floor_label]))\n"
        "print('KERNEL_MS', json.dumps(kernel_change_ms()))"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source), nbformat.v4.new_code_cell(timing)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
    )
    path = folder / "latency.ipynb"
    nbformat.write(notebook, path)
    return path


def percentiles(values) -> dict:
    if not values:
        return {"n": 0}
    array = np.asarray(values, dtype=float)
    return {
        "n": int(array.size),
        "p50": round(float(np.percentile(array, 50)), 1),
        "p90": round(float(np.percentile(array, 90)), 1),
        "min": round(float(array.min()), 1),
        "max": round(float(array.max()), 1),
    }


def analyse(events: list[dict], network_index: int = 0) -> dict | None:
    """One press: times (ms after the keydown) of what followed it."""
    keys = [e for e in events if e["kind"] == "key"]
    if not keys:
        return None
    start = keys[0]["t"]
    after = [e for e in events if e["t"] >= start]
    sends = [e for e in after if e["kind"] == "send"]
    frames_in = [e for e in after if e["kind"] == "recv" and e["size"] >= FRAME_BYTES]
    draws = [e for e in after if e["kind"] == "draw"]
    network_draws = [e for e in draws if e["canvas"] == network_index]
    blobs = [e for e in after if e["kind"] == "blob"]
    if not network_draws:
        return None
    first_draw = network_draws[0]
    shown = next((e for e in after if e["kind"] == "frame" and e["drawn"] == first_draw["t"]), None)
    first_send = sends[0]["t"] if sends else None
    first_frame_in = frames_in[0]["t"] if frames_in else None
    return {
        "network_drawn": first_draw["t"] - start,
        "network_shown": (shown["t"] - start) if shown else None,
        "all_views_drawn": max(e["t"] for e in draws) - start,
        "key_to_send": (first_send - start) if first_send is not None else None,
        "send_to_frame_received": (first_frame_in - first_send) if first_send and first_frame_in else None,
        "frame_received_to_drawn": (first_draw["t"] - first_frame_in) if first_frame_in else None,
        "frame_received_to_image_url": (blobs[0]["t"] - first_frame_in) if first_frame_in and blobs else None,
        "image_url_to_drawn": (first_draw["t"] - blobs[0]["t"]) if blobs else None,
        "frames_received": len(frames_in),
        "frame_bytes": sum(e["size"] for e in frames_in),
        "messages_sent": len(sends),
        "timeline": [{k: (round(v - start, 1) if k in ("t", "drawn") else v) for k, v in e.items()} for e in after],
    }


def wait_until_quiet(page, quiet_ms: float = 250, timeout_ms: float = 20_000):
    """Until nothing has been drawn or received for quiet_ms (the previous press is fully shown)."""
    page.wait_for_function(
        """quiet => {
            const events = window.__latency;
            const last = events.length ? events[events.length - 1].t : 0;
            return performance.now() - last > quiet;
        }""",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=50,
    )


def run(moves: int, views: tuple[str, ...], prelude: str = "", stock_server: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    chromium = jupyter_driver.find_chromium()
    if chromium is None:
        return {"error": "no Chromium: run `make browser-deps` or set CHROMIUM"}
    root = Path(tempfile.mkdtemp(prefix="browser-latency-root-"))
    home = jupyter_driver.make_home("browser-latency-home-")
    scratch_notebook(root, views, prelude)
    server = jupyter_driver.start_lab(root, home, launcher=JUPYTER_LAB, extra_args=STOCK_ARGS if stock_server else ())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=jupyter_driver.CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
            page.set_default_timeout(90_000)
            page.add_init_script(INSTRUMENT)
            lab_page.open_notebook(page, server, "latency.ipynb", workspace="latency")
            lab_page.run_all_cells(page)
            lab_page.wait_until_executed(page)
            weight = lab_page.slider(page, "w5")
            handle = weight.locator(lab_page.SLIDER_HANDLE)
            handle.scroll_into_view_if_needed()
            handle.focus()
            page.locator(lab_page.FIGURE).first.wait_for()
            wait_until_quiet(page, quiet_ms=1000)

            samples, lost = [], 0
            for index in range(moves + 2):  # the first two presses warm up caches; not counted
                page.evaluate("() => { window.__latency.length = 0; }")
                handle.press("ArrowRight" if index % 2 == 0 else "ArrowLeft")
                try:
                    page.wait_for_function(
                        "() => window.__latency.some(e => e.kind === 'frame' && e.canvas === 0)", timeout=20_000
                    )
                except Exception:
                    lost += 1
                    continue
                wait_until_quiet(page)
                sample = analyse(page.evaluate("() => window.__latency.slice()"))
                if sample is None:
                    lost += 1
                elif index >= 2:
                    samples.append(sample)

            floor_ms = []
            floor_handle = lab_page.slider(page, "floor").locator(lab_page.SLIDER_HANDLE)
            floor_handle.scroll_into_view_if_needed()
            floor_handle.focus()
            for _ in range(moves):
                page.evaluate("() => { window.__latency.length = 0; }")
                floor_handle.press("ArrowRight")
                page.wait_for_function("() => window.__latency.some(e => e.kind === 'text')", timeout=20_000)
                wait_until_quiet(page, quiet_ms=150)
                events = page.evaluate("() => window.__latency.slice()")
                key = next(e["t"] for e in events if e["kind"] == "key")
                floor_ms.append(next(e["t"] for e in events if e["kind"] == "text") - key)

            kernel_ms = kernel_change_times(page)
            browser_version = browser.version
            browser.close()
    finally:
        left = jupyter_driver.stop(server)
        extension_loaded = EXTENSION_LOG_LINE in server.log()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)

    def column(name):
        return [s[name] for s in samples if s[name] is not None]

    shown = percentiles(column("network_shown"))
    timed = [s for s in samples if s["network_shown"] is not None]
    typical = min(timed, key=lambda s: abs(s["network_shown"] - shown["p50"])) if timed else None
    return {
        "what": "key press on the w5 slider -> network diagram canvas shows the new frame (JupyterLab, ipympl)",
        "views": list(views),
        "prelude": prelude or None,
        "server": " ".join(["jupyter lab", *(STOCK_ARGS if stock_server else ())]),
        "nodelay_extension_loaded": extension_loaded,
        "moves": moves,
        "samples": len(samples),
        "presses_without_a_frame": lost,
        "key_to_network_shown_ms": shown,
        "key_to_network_drawn_ms": percentiles(column("network_drawn")),
        "key_to_all_views_drawn_ms": percentiles(column("all_views_drawn")),
        "breakdown_ms": {
            "key_to_change_sent": percentiles(column("key_to_send")),
            "change_sent_to_first_frame_received": percentiles(column("send_to_frame_received")),
            "frame_received_to_drawn": percentiles(column("frame_received_to_drawn")),
            "of_which_message_to_image_url": percentiles(column("frame_received_to_image_url")),
            "of_which_image_decode_to_drawn": percentiles(column("image_url_to_drawn")),
            "kernel_handling_one_change": percentiles(kernel_ms),
        },
        "floor_key_to_label_text_ms": percentiles(floor_ms),
        "typical_press_timeline_ms": typical["timeline"] if typical else None,
        "frames_per_press": percentiles(column("frames_received")),
        "messages_sent_per_press": percentiles(column("messages_sent")),
        "frame_bytes_per_press": percentiles(column("frame_bytes")),
        "target_ms": TARGET_MS,
        "target_met": bool(shown.get("n")) and shown["p50"] <= TARGET_MS["p50"] and shown["p90"] <= TARGET_MS["p90"],
        "environment": {
            "chromium": browser_version,
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "helpers_commit": helpers_commit(),
            "leftover_processes": len(left),
        },
    }


def kernel_change_times(page) -> list[float]:
    """What the timing cell printed: milliseconds the kernel spent per programmatic change of w5."""
    text = page.locator(".jp-OutputArea-output", has_text="KERNEL_MS").first.text_content()
    return json.loads(text.split("KERNEL_MS", 1)[1])


def helpers_commit() -> str:
    """The commit the measured helpers come from, "+dirty" when helpers/ has uncommitted changes."""

    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "helpers") else "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=40, help="slider moves measured (at least 30)")
    parser.add_argument("--views", default="network,surface,steps", help="explorer views, comma separated")
    parser.add_argument("--prelude", default="", help="Python run in the kernel first (to try a change)")
    parser.add_argument("--stock-server", action="store_true",
                        help="jupyter lab with the backprop_nodelay extension off (as a server without this package)")
    args = parser.parse_args()
    started = time.monotonic()
    result = run(max(30, args.moves), tuple(v for v in args.views.split(",") if v), args.prelude, args.stock_server)
    result["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
