"""How long a slider move takes to become a frame ready for the browser, explorer versus naive.

Prints one JSON object. For each of >= 60 control changes (every weight slider, x1, x2 and lr, in
turn) it times ``explorer.controls[name].value = v`` plus the browser's answer to the frame: the
explorer computes the new state, updates the artists, renders (blits) each changed canvas, encodes
the frame ipympl sends (its "diff" PNG) and hands it to the widget's comm. The
canvases are first told what a browser tells them when it connects ("initialized", "refresh"), so
the measured path is the one a live notebook runs; the network round trip of the answer is not
included (a browser benchmark measures the whole path). The naive way does what ``interact`` with
the inline backend does: build the three views again with ``plt.subplots`` and encode a PNG
(``savefig(bbox_inches="tight")``).

    python benchmarks/redraw.py [--rounds 8]

Numbers depend on the machine and on what else runs on it; the script reports, it never fails.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ipympl.backend_nbagg import Canvas as StockCanvas  # noqa: E402

import helpers.widgets as widgets_module  # noqa: E402
from helpers import cost_surface, office_hours_example, set_parameter  # noqa: E402
from helpers.draw import fmt, node_labels  # noqa: E402
from helpers.state import compute_state  # noqa: E402


def percentile(values, q):
    return float(np.percentile(np.asarray(values), q))


def summary(seconds):
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def control_changes(rounds, seed=0):
    """(name, value) pairs: every weight, x1, x2 and lr in turn, values drawn at random in range."""
    rng = np.random.default_rng(seed)
    names = ["w1", "w2", "w3", "w4", "w5", "w6", "x1", "x2", "lr"]
    changes = []
    for _ in range(rounds):
        for name in names:
            if name == "lr":
                value = float(10 ** rng.uniform(-2, 0.5))
            elif name.startswith("x"):
                value = float(np.round(rng.uniform(-2, 2), 2))
            else:
                value = float(np.round(rng.uniform(-3, 3), 2))
            changes.append((name, value))
    return changes


def connect_like_a_browser(explorer, device_pixel_ratio=1):
    """Send each canvas the messages a browser sends when the widget appears; count what comes back."""
    sent = {"frames": 0, "bytes": []}
    for canvas in explorer.canvases.values():
        def send(content, buffers=None):
            if buffers:
                sent["frames"] += 1
                sent["bytes"].append(sum(len(b) for b in buffers))

        canvas.send = send  # the comm of a live kernel would forward these to the browser
        canvas._handle_message(canvas, {"type": "initialized"}, [])
        if device_pixel_ratio != 1:
            canvas._handle_message(canvas, {"type": "set_device_pixel_ratio",
                                            "device_pixel_ratio": device_pixel_ratio}, [])
        canvas._handle_message(canvas, {"type": "refresh"}, [])
        answer_frame_requests(explorer)  # the browser answers the "draw" events that come with the frames
        answer_frame_requests(explorer)
    sent["frames"], sent["bytes"] = 0, []
    return sent


def answer_frame_requests(explorer):
    """The browser's side of the frame protocol: it answers the "draw" event sent after the frames.

    (FastCanvas sends every frame during the change, then one "draw" event for the explorer's canvases;
    ipympl's stock canvas sends every frame during the change and nothing to answer.)
    """
    ledger = getattr(explorer, "_frames", None)
    if ledger is not None and ledger.token is not None:
        canvas = ledger.token[1]
        canvas.handle_draw({"type": "draw"})


class ExplorerRun:
    """An explorer connected like a live notebook; ``change`` times one control change."""

    def __init__(self, device_pixel_ratio=1, canvas_class=None):
        saved = widgets_module.Explorer.canvas_class
        if canvas_class is not None:
            widgets_module.Explorer.canvas_class = canvas_class
        try:
            self.explorer = widgets_module.Explorer(*office_hours_example())
        finally:
            widgets_module.Explorer.canvas_class = saved
        self.sent = connect_like_a_browser(self.explorer, device_pixel_ratio)
        self.seconds, self.cpu_seconds = [], []

    def change(self, name, value, record=True):
        start, cpu_start = time.perf_counter(), time.thread_time()
        self.explorer.controls[name].value = value
        answer_frame_requests(self.explorer)
        if record:
            self.seconds.append(time.perf_counter() - start)
            self.cpu_seconds.append(time.thread_time() - cpu_start)
        return time.perf_counter() - start

    def warm_up(self, warmup):
        first_round = [self.change(name, value, record=False) for name, value in warmup]
        self.first_round_median_ms = round(statistics.median(first_round) * 1000, 2)
        self.sent["frames"], self.sent["bytes"] = 0, []

    def result(self):
        result = summary(self.seconds)
        result["cpu_median_ms"] = round(statistics.median(self.cpu_seconds) * 1000, 2)  # this thread only
        result["first_round_median_ms"] = self.first_round_median_ms
        result["frames_sent"] = self.sent["frames"]
        result["frame_bytes_median"] = int(statistics.median(self.sent["bytes"])) if self.sent["bytes"] else 0
        result["canvas_pixels"] = {k: list(np.asarray(c.get_renderer().buffer_rgba()).shape[1::-1])
                                   for k, c in self.explorer.canvases.items()}
        return result


def time_explorer(changes, warmup, **kwargs):
    run = ExplorerRun(**kwargs)
    run.warm_up(warmup)
    for name, value in changes:
        run.change(name, value)
    return run.result()


# -- the naive way ---------------------------------------------------------------------------


def naive_frame(state):
    """Build the three views from scratch with plt.subplots and return the PNG, like interact()."""
    fig, (network, surface, steps) = plt.subplots(1, 3, figsize=(19, 4.6))
    sizes = state.net.layer_sizes
    inputs, layers = node_labels(sizes)
    positions = [[(l, 1 - 2 * j) if size == 2 else (l, 0) for j in range(size)] for l, size in enumerate(sizes)]
    names = {where: name for name, where in state.names.items()}
    for l, w in enumerate(state.net.weights):
        for row in range(w.shape[0]):
            for col in range(w.shape[1]):
                name = names[("weight", l, row, col)]
                (x0, y0), (x1, y1) = positions[l][col], positions[l + 1][row]
                value = state.values[name]
                network.plot([x0, x1], [y0, y1], color="C0" if value > 0 else "C1", linewidth=1 + 4 * abs(value))
                network.text((x0 + x1) / 2, (y0 + y1) / 2, f"{name} = {fmt(value)}\n"
                             f"\u2202E/\u2202{name} = {fmt(state.grads[name], 4)}", ha="center", fontsize=11)
    for j, (px, py) in enumerate(positions[0]):
        network.text(px, py, f"{inputs[j]} = {fmt(state.x[j], 2)}", ha="center", va="center", fontsize=11.5,
                     bbox=dict(boxstyle="round", facecolor="0.95"))
    for l in range(1, len(sizes)):
        for j, (px, py) in enumerate(positions[l]):
            a_name, z_name = layers[l - 1][j]
            network.text(px, py, f"{a_name} = {fmt(state.trace.a[l - 1][j])}\n{z_name} = "
                         f"{fmt(state.trace.z[l - 1][j])}", ha="center", va="center", fontsize=11.5,
                         bbox=dict(boxstyle="round", facecolor="0.95"))
    network.set_title(f"E = {fmt(state.cost, 4)}")
    network.set_axis_off()

    grid = np.linspace(-4, 4, 81)
    where5, where6 = state.names["w5"][1:], state.names["w6"][1:]
    image = surface.imshow(cost_surface(state.net, state.x, state.y, where5, where6, grid, grid), origin="lower",
                           extent=(-4, 4, -4, 4), aspect="auto", cmap="cividis")
    fig.colorbar(image, ax=surface, label="E")
    surface.plot([state.values["w5"]], [state.values["w6"]], "o", color="white", markeredgecolor="black")
    surface.annotate("", xy=(state.values["w5"] - state.grads["w5"], state.values["w6"] - state.grads["w6"]),
                     xytext=(state.values["w5"], state.values["w6"]), arrowprops=dict(arrowstyle="-|>"))
    surface.set_xlabel("w5")
    surface.set_ylabel("w6")

    for i, name in enumerate(state.names):
        for c, text in enumerate([name, fmt(state.values[name], 4), fmt(state.grads[name], 4),
                                  fmt(state.changes[name], 4, sign=True), fmt(state.new_values[name], 4)]):
            steps.text(0.02 + 0.24 * c, 1 - 0.1 * (i + 1), text, fontsize=11.5)
    steps.text(0.02, 0.2, f"\u0177: {fmt(state.y_hat[0], 4)} \u2192 {fmt(state.next_y_hat[0], 4)}", fontsize=11.5)
    steps.text(0.02, 0.1, f"E: {fmt(state.cost, 4)} \u2192 {fmt(state.next_cost, 4)}", fontsize=11.5)
    steps.set_axis_off()

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # what the inline backend does
    plt.close(fig)
    return buffer.getvalue()


class NaiveRun:
    """The interact() way: every change rebuilds the three views and encodes a PNG."""

    def __init__(self):
        self.net, self.x, self.y, self.lr = office_hours_example()
        self.names = compute_state(self.net, self.x, self.y, self.lr).names
        self.seconds = []

    def change(self, name, value):
        start = time.perf_counter()
        if name == "lr":
            self.lr = value
        elif name.startswith("x"):
            self.x = self.x.copy()
            self.x[int(name[1:]) - 1] = value
        else:
            self.net = set_parameter(self.net, self.names[name], value)
        naive_frame(compute_state(self.net, self.x, self.y, self.lr, self.names))
        self.seconds.append(time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="rounds over the 9 controls (default 8: 72 changes)")
    parser.add_argument("--naive-rounds", type=int, default=7, help="rounds of the naive way (default 7: 63 changes)")
    args = parser.parse_args()

    load_before = os.getloadavg()
    warmup = control_changes(1, seed=1)
    changes = control_changes(args.rounds)
    # The explorer and the naive way take turns, a round (nine changes) each, so that both meet
    # the same machine: other work on it comes and goes.
    run, naive_run = ExplorerRun(), NaiveRun()
    run.warm_up(warmup)
    naive_changes = control_changes(args.naive_rounds)
    for r in range(max(args.rounds, args.naive_rounds)):
        for name, value in changes[9 * r : 9 * r + 9]:
            run.change(name, value)
        for name, value in naive_changes[9 * r : 9 * r + 9]:
            naive_run.change(name, value)
        gc.collect()  # the naive figures' garbage, collected between turns, not inside the explorer's
    explorer, naive = run.result(), summary(naive_run.seconds)
    stock = time_explorer(changes, warmup, canvas_class=StockCanvas)
    hidpi = time_explorer(changes, warmup, device_pixel_ratio=2)
    targets = {"median_ms": 16.0, "p90_ms": 33.0, "speedup": 10.0}
    ratio = naive["median_ms"] / explorer["median_ms"]
    import ipympl

    print(json.dumps({
        "what": "time from setting a control to the new frame ready to send (artists updated, canvas "
                "rendered, ipympl diff PNG encoded), office-hours 2-2-1 explorer with all three views",
        "changes": len(changes),
        "controls": sorted({name for name, _ in changes}),
        "warmup_changes_not_counted": len(warmup),
        "explorer": explorer,
        "naive_interact_style": naive,
        "speedup_median": round(ratio, 1),
        "targets": targets,
        "met": {
            "median": explorer["median_ms"] <= targets["median_ms"],
            "p90": explorer["p90_ms"] <= targets["p90_ms"],
            "speedup": ratio >= targets["speedup"],
        },
        "for_comparison": {
            "explorer_with_stock_ipympl_frame_encoder": stock,
            "explorer_on_a_hidpi_screen_device_pixel_ratio_2": hidpi,
        },
        "machine": {
            "load_average_1min_before_and_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "matplotlib": matplotlib.__version__,
            "ipympl": ipympl.__version__,
            "numpy": np.__version__,
        },
    }, indent=2))


if __name__ == "__main__":
    main()
