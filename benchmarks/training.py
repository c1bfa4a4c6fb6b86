"""How fast the training playground trains and redraws: in the kernel, against pyplot, and in a real browser.

Prints one JSON object (it reports, it never fails; ``targets`` and ``met`` say how the figures compare).

1. ``training_steps_per_second``: ``helpers.training.Trainer`` (one ``net.gradients`` call per mini-batch,
   the batch backpropagated as matrices) on two tasks, the XOR truth table (2-4-1, full batch of 4) and the
   spiral (300 points, 2-8-8-3, batch 32). The baseline, measured in the same run and in alternating turns,
   is the same training with a Python loop over the examples of each batch: one ``net.gradients`` per
   example, the per-example gradients summed and divided by the batch size. Both take the same batches in
   the same order from the same seed (the baseline is a ``Trainer`` whose ``step`` loops), so their final
   weights agree to rounding; ``final_weights_max_abs_difference`` shows it.
2. ``kernel_redraws_per_second``: the ``Playground`` of ``helpers.widgets`` driven headlessly as a live
   notebook drives it: its canvases are told what a browser tells them when it connects ("initialized",
   "refresh"), the browser's answers to the frame tokens are given at once, then it plays for a number
   of ticks. A redraw is one tick with every view updated; frames are the PNGs encoded and handed to the
   canvases' comms. Baseline: ``pyplot_replot_per_second``, a loop that re-plots the same panels (decision
   boundary over the data, loss curves, network diagram) with pyplot each frame after the same training
   steps per frame and saves them to PNG, as ``interact`` or a ``clear_output`` loop would.
3. ``browser``: JupyterLab + headless Chromium: a copy of notebooks/playground.ipynb is run, Play is pressed,
   and for a few seconds the page counts frames painted on the playground's canvases (every ``drawImage`` of
   a received frame onto a figure's visible canvas, and the animation frames that show them); then Pause,
   and the kernel says how many training steps were taken meanwhile. ``frame_decoding`` says how many frames
   the page decoded and how long a decode took. The baseline, ``browser_baseline_ipympl_canvas``, measured
   the same way in the same run: the same notebook with the playground on ipympl's canvas (``FastCanvas``),
   as it was before it had a canvas of its own.

    .venv/bin/python benchmarks/training.py [--no-browser] [--seconds 6]

Numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "browser"))

from browser_latency import helpers_commit  # noqa: E402 (the same commit stamp as the other benchmarks)

from helpers import training  # noqa: E402

TARGETS = {
    "playing_training_steps_per_second": 60.0,
    "painted_frames_per_second": 20.0,
    "redraw_speedup_over_pyplot": 10.0,
}


# ---------------------------------------------------------------------------
# 1. Training steps: vectorised mini-batches versus a loop over examples
# ---------------------------------------------------------------------------


class LoopTrainer(training.Trainer):
    """The same training, with a Python loop over the examples of each batch (the baseline).

    Same batches, same order, same update (w - lr * (dE/dw + l2 * w), b - lr * dE/db) as ``Trainer.step``;
    only the gradient is the mean of per-example gradients, each from its own backward pass.
    """

    def step(self):
        if self.history.stopped_because is not None:
            return False
        index = self._next_batch()
        net, lr, l2 = self.net, self.lr, self.l2
        sum_w = [np.zeros_like(w) for w in net.weights]
        sum_b = [None if b is None else np.zeros_like(b) for b in net.biases]
        for i in index:  # one example at a time
            g = net.gradients(self.data.x_train[i], self.data.y_train[i])
            for l, gw in enumerate(g.weights):
                sum_w[l] += gw
                if sum_b[l] is not None:
                    sum_b[l] += g.biases[l]
        n = len(index)
        weights = [w - lr * (sw / n + l2 * w) for w, sw in zip(net.weights, sum_w)]
        biases = [None if b is None else b - lr * sb / n for b, sb in zip(net.biases, sum_b)]
        self.net = net.replace(weights, biases)
        self.step_count += 1
        if self.step_count % self.log_every == 0:
            self._log()
        return True


TASKS = {
    "xor_truth_table_2_4_1_full_batch": dict(
        data=lambda: training.xor_truth_table(), sizes=(2, 4, 1), batch_size=None, lr=0.5, steps=600),
    "spiral_300_points_2_8_8_3_batch_32": dict(
        data=lambda: training.spiral(300, seed=0), sizes=(2, 8, 8, 3), batch_size=32, lr=0.1, steps=240),
}


def training_steps(rounds=3):
    """Steps per second of Trainer and of the loop baseline, in alternating turns; median over the rounds."""
    results = {}
    for name, task in TASKS.items():
        data = task["data"]()
        net0 = training.initial_network(task["sizes"], seed=0)
        fast, slow, nets = [], [], {}
        for _ in range(rounds):
            for label, cls, times in (("vectorised", training.Trainer, fast), ("loop", LoopTrainer, slow)):
                # logging only at the start and the end, as the playground's trainer (it logs by itself)
                trainer = cls(net0, data, lr=task["lr"], batch_size=task["batch_size"], seed=0, log_every=10**9)
                gc.collect()
                start = time.perf_counter()
                trainer.run(steps=task["steps"], progress=False)
                times.append(task["steps"] / (time.perf_counter() - start))
                nets[label] = trainer
        vec, loop = nets["vectorised"], nets["loop"]
        difference = max(float(np.max(np.abs(a - b))) for a, b in zip(vec.net.weights, loop.net.weights))
        results[name] = {
            "layer_sizes": list(task["sizes"]),
            "train_points": data.n_train,
            "batch_size": vec.batch_size,
            "steps_per_run": task["steps"],
            "runs_each": rounds,
            "vectorised_steps_per_second": round(statistics.median(fast), 1),
            "loop_over_examples_steps_per_second": round(statistics.median(slow), 1),
            "speedup": round(statistics.median(fast) / statistics.median(slow), 1),
            "final_weights_max_abs_difference": float(f"{difference:.3g}"),
            "train_loss_first_last": [round(vec.history.train_loss[0], 4), round(vec.history.train_loss[-1], 4)],
            "note": "gradient steps only: the history (loss and accuracy over the whole set) is logged at the "
                    "start and the end of each run, not every epoch",
        }
    return results


# ---------------------------------------------------------------------------
# 2. The playground playing in the kernel, connected like a live notebook
# ---------------------------------------------------------------------------

PLAYGROUND_SETTINGS = dict(data="spiral", n_points=300, hidden_layers=2, units=8, activation="tanh", lr=0.1,
                           batch_size=32, seed=0)


def connect_like_a_browser(playground):
    """Tell each canvas what a browser tells it when the widget appears; count the frames handed to its comm
    (and keep the frame tokens, which ``answer_frame_requests`` answers as the browser would)."""
    sent = {kind: {"frames": 0, "bytes": 0} for kind in playground.canvases}
    for kind, canvas in playground.canvases.items():
        def send(content, buffers=None, kind=kind):
            if buffers:
                sent[kind]["frames"] += 1
                sent[kind]["bytes"] += sum(len(b) for b in buffers)

        canvas.send = send  # the comm of a live kernel would forward these to the browser
        canvas._on_message(canvas, {"type": "hello", "ratio": 1}, [])
        answer_frame_requests(playground)
    return sent


def answer_frame_requests(playground, number=None):
    """The browser's side of the frame protocol: it answers a token once the frames before it are painted
    (here: every token sent so far, or those up to ``number``)."""
    tokens = playground._frames
    if tokens is not None:
        tokens.answer(tokens.count if number is None else number)


async def _play_headless(playground, seconds, answer_delay):
    """Play for ``seconds`` on this event loop; a simulated browser answers each frame token after
    ``answer_delay`` seconds (0: at once)."""
    import asyncio

    playground.play()
    end = time.perf_counter() + seconds
    sent_at = {}  # token number -> when the simulated browser saw it
    while time.perf_counter() < end:
        await asyncio.sleep(0.001)
        tokens = playground._frames
        now = time.perf_counter()
        for number in range(tokens.answered + 1, tokens.count + 1):
            sent_at.setdefault(number, now)
        due = [number for number, seen in sent_at.items() if now - seen >= answer_delay]
        if due:
            answer_frame_requests(playground, max(due))
            for number in due:
                del sent_at[number]
    stats = dict(playground.play_stats)
    playground.pause()
    return stats


def kernel_playing(seconds=4.0, speed="normal", frame_interval=None, answer_delay=0.0):
    """The playground plays on an asyncio loop (as in ipykernel) for a while; what it trained and sent."""
    import asyncio

    from helpers.widgets import Playground

    playground = Playground(speed=speed, **PLAYGROUND_SETTINGS)
    try:
        if frame_interval is not None:
            playground.FRAME_INTERVAL = frame_interval  # this instance only
        sent = connect_like_a_browser(playground)
        for counts in sent.values():
            counts["frames"] = counts["bytes"] = 0
        gc.collect()
        cpu_start = time.process_time()
        stats = asyncio.run(_play_headless(playground, seconds, answer_delay))
        cpu = time.process_time() - cpu_start
        loss = playground.history.train_loss
        elapsed = stats["seconds"]
        frames = sum(c["frames"] for c in sent.values())
        return {
            "speed": speed,
            "frame_interval_s": round(playground.FRAME_INTERVAL, 4),
            "browser_answer_delay_ms": round(answer_delay * 1000, 1),
            "seconds": round(elapsed, 2),
            "training_steps": stats["steps"],
            "training_steps_per_second": round(stats["steps"] / elapsed, 1),
            "redraws": stats["frames"],
            "redraws_per_second": round(stats["frames"] / elapsed, 1),
            "frames_sent_per_second": round(frames / elapsed, 1),
            "frames_sent_by_canvas": {k: c["frames"] for k, c in sent.items()},
            "frame_kbytes_mean": round(sum(c["bytes"] for c in sent.values()) / max(frames, 1) / 1000, 1),
            "cpu_share_of_one_core": round(cpu / elapsed, 2),
            "train_loss_first_last": [round(loss[0], 4), round(loss[-1], 4)],
        }
    finally:
        playground.close()


# ---------------------------------------------------------------------------
# 2b. The baseline of the live redraw: re-plot the playground's panels with pyplot every frame
# ---------------------------------------------------------------------------

GRID = 60  # the playground's boundary grid (helpers.playground_views.GRID)
LIMITS = (-1.3, 1.3)
CLASS_RGB = np.array([[0.902, 0.624, 0.0], [0.337, 0.706, 0.914], [0.0, 0.620, 0.451]])  # Okabe-Ito


class PyplotReplot:
    """Each frame: the same training steps, then the panels built again with plt.subplots and saved as PNG.

    Panels as the playground shows them: the decision boundary (class colours blended by the predicted
    probabilities, white where unsure) under the training and test points; the network diagram with edges
    coloured by sign and wide by |w| and every neuron drawn as a picture of its output over the plane; the
    train and test loss curves with a readout. ``savefig(bbox_inches="tight")`` is what the inline backend
    does for each frame of an ``interact`` or ``clear_output`` loop.
    """

    def __init__(self, data, sizes, lr, batch_size, steps_per_frame):
        self.data = data
        self.trainer = training.Trainer(training.initial_network(sizes, seed=0), data, lr=lr,
                                        batch_size=batch_size, seed=0, log_every=steps_per_frame)
        self.steps_per_frame = steps_per_frame
        u = np.linspace(*LIMITS, GRID)
        uu, vv = np.meshgrid(u, u)
        self.grid = np.column_stack([uu.ravel(), vv.ravel()])
        self.seconds = []

    def frame(self):
        start = time.perf_counter()
        for _ in range(self.steps_per_frame):
            self.trainer.step()
        png = self.plot()
        self.seconds.append(time.perf_counter() - start)
        return png

    def plot(self):
        net, data, history = self.trainer.net, self.data, self.trainer.history
        trace = net.forward(self.grid)
        out = trace.output
        probabilities = np.column_stack([1 - out[:, 0], out[:, 0]]) if out.shape[1] == 1 else out
        k = probabilities.shape[1]
        certainty = (probabilities.max(axis=1) - 1 / k) / (1 - 1 / k)
        rgb = probabilities @ CLASS_RGB[:k]
        rgb = 1 - certainty[:, None] * (1 - rgb)  # white where unsure
        fig, (boundary, diagram, loss) = plt.subplots(1, 3, figsize=(11.8, 4.55),
                                                      gridspec_kw={"width_ratios": [1, 1.3, 1]})
        boundary.imshow(rgb.reshape(GRID, GRID, 3), origin="lower", extent=(*LIMITS, *LIMITS))
        for c in range(data.n_classes):
            marker = "os^"[c]
            train = data.x_train[data.labels_train == c]
            test = data.x_test[data.labels_test == c]
            boundary.scatter(train[:, 0], train[:, 1], s=30, marker=marker, color=CLASS_RGB[c], edgecolor="#222222")
            boundary.scatter(test[:, 0], test[:, 1], s=30, marker=marker, facecolor="white", edgecolor=CLASS_RGB[c])
        boundary.set_title(f"{data.name}: {data.n_train} training points")

        sizes = net.layer_sizes
        spots = [[(l, (j - (n - 1) / 2) * 0.9) for j in range(n)] for l, n in enumerate(sizes)]
        for l, w in enumerate(net.weights):
            for j in range(w.shape[0]):
                for i in range(w.shape[1]):
                    (x0, y0), (x1, y1) = spots[l][i], spots[l + 1][j]
                    diagram.plot([x0, x1], [y0, y1], color="#0072B2" if w[j, i] > 0 else "#D55E00",
                                 linewidth=0.5 + 2 * min(abs(w[j, i]), 3), zorder=1)
        pictures = [self.grid[:, 0], self.grid[:, 1]] + [z[:, j] for z in trace.z for j in range(z.shape[1])]
        half = 0.3
        for (x, y), values in zip([p for layer in spots for p in layer], pictures):
            diagram.imshow(values.reshape(GRID, GRID), origin="lower", cmap="cividis", zorder=2,
                           extent=(x - half, x + half, y - half, y + half))
        diagram.set_xlim(-0.5, len(sizes) - 0.5)
        diagram.set_ylim(-0.5 * max(sizes) - 0.2, 0.5 * max(sizes) + 0.2)
        diagram.set_aspect("equal")
        diagram.set_axis_off()

        loss.plot(history.step, history.train_loss, "-", color="#111111", label="train")
        loss.plot(history.step, history.test_loss, "--", color="#777777", label="test")
        loss.set_xlabel("step")
        loss.set_title("loss (cost, mean over the set)")
        loss.legend(loc="upper right")
        last = history.last()
        loss.text(0.02, -0.3, f"step {self.trainer.step_count}   epoch {self.trainer.epoch:.1f}\n"
                  f"train: loss {last['train_loss']:.3f}   accuracy {100 * last['train_accuracy']:.0f}%\n"
                  f"test: loss {last['test_loss']:.3f}   accuracy {100 * last['test_accuracy']:.0f}%",
                  transform=loss.transAxes, va="top")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(fig)
        return buffer.getvalue()


def one_step_redraws(rounds=6, ticks_per_round=10, frames_per_round=2):
    """One training step and a redraw of every panel, timed: ``playground.step()`` (connected like a live
    notebook, the browser answering each frame token at once) against the pyplot re-plot, in alternating
    turns so that both meet the same machine."""
    from helpers.widgets import Playground

    playground = Playground(**PLAYGROUND_SETTINGS)
    replot = PyplotReplot(training.spiral(300, seed=0), (2, 8, 8, 3), lr=0.1, batch_size=32, steps_per_frame=1)
    try:
        sent = connect_like_a_browser(playground)
        playground.step()  # warm-up: glyph caches, first full frames
        replot.frame()
        replot.seconds.clear()
        for counts in sent.values():
            counts["frames"] = counts["bytes"] = 0
        ticks = []
        for _ in range(rounds):
            for _ in range(ticks_per_round):
                start = time.perf_counter()
                playground.step()
                answer_frame_requests(playground)
                ticks.append(time.perf_counter() - start)
            for _ in range(frames_per_round):
                replot.frame()
            gc.collect()  # pyplot's garbage, collected between turns
        frames = sum(c["frames"] for c in sent.values())
    finally:
        playground.close()
    tick, frame = statistics.median(ticks), statistics.median(replot.seconds)
    return {
        "what": "one training step, then every visible panel updated (spiral 2-8-8-3, batch 32): playground.step() "
                "with frames encoded and handed to the comms, versus boundary + points, network diagram with "
                "neuron pictures and loss curves re-plotted with plt.subplots and saved as PNG "
                "(bbox_inches='tight')",
        "playground_step_and_redraw": {
            "n": len(ticks),
            "median_ms": round(tick * 1000, 1),
            "p90_ms": round(float(np.percentile(ticks, 90)) * 1000, 1),
            "per_second": round(1 / tick, 1),
            "frames_sent_per_step": round(frames / len(ticks), 2),
            "frame_kbytes_mean": round(sum(c["bytes"] for c in sent.values()) / max(frames, 1) / 1000, 1),
        },
        "pyplot_replot": {
            "n": len(replot.seconds),
            "median_ms": round(frame * 1000, 1),
            "per_second": round(1 / frame, 2),
        },
        "speedup": round(frame / tick, 1),
    }


# ---------------------------------------------------------------------------
# 3. In a real browser: JupyterLab + headless Chromium, Play pressed, frames painted counted
# ---------------------------------------------------------------------------

NOTEBOOK = REPO / "notebooks" / "playground.ipynb"


# Put first in the notebook's copy for the baseline: the same playground on ipympl's canvas (FastCanvas, the
# course's faster ipympl frame path), which the playground used before it had a canvas of its own.
BASELINE_CELL = ("# benchmark baseline: the playground on ipympl's canvas\n"
                 "from helpers.live.canvas import FastCanvas\nfrom helpers.widgets import Playground\n"
                 "Playground.canvas_class = FastCanvas")


def browser_notebook(root: Path, canvas: str = "live") -> tuple[str, str]:
    """notebooks/playground.ipynb copied into root; for ``canvas="ipympl"`` with ``BASELINE_CELL`` first."""
    import nbformat

    (root / "notebooks").mkdir()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    if canvas == "ipympl":
        notebook.cells.insert(0, nbformat.v4.new_code_cell(BASELINE_CELL))
    nbformat.write(notebook, root / "notebooks" / NOTEBOOK.name)
    return "notebooks/playground.ipynb", f"notebooks/playground.ipynb (a copy; canvas: {canvas})"


# What the playground's canvases (helpers.live.bitmap) do with each frame, counted alongside the paints: each
# frame's PNG is decoded off the page's main thread (WebCodecs' ImageDecoder, or createImageBitmap where
# there is none); the time from the start of a decode to its picture is its latency, not main-thread work.
FRAME_PROBE = """
(() => {
  const probe = {decodes: 0, decode_ms: 0, failed: 0};
  window.__frameProbe = probe;
  window.__resetFrameProbe = () => {
    for (const key of Object.keys(probe)) probe[key] = 0;
    probe.start = performance.now();
  };
  const timed = (promise) => {
    const start = performance.now();
    return promise.then((result) => {
      probe.decodes += 1;
      probe.decode_ms += performance.now() - start;
      return result;
    }, (error) => { probe.failed += 1; throw error; });
  };
  if (window.ImageDecoder) {
    const nativeDecode = ImageDecoder.prototype.decode;
    ImageDecoder.prototype.decode = function (...args) { return timed(nativeDecode.apply(this, args)); };
  }
  const nativeCreateImageBitmap = window.createImageBitmap;
  window.createImageBitmap = (...args) => timed(nativeCreateImageBitmap(...args));
})();
"""


def in_the_browser(seconds: float, device_scale_factor: float = 1, canvas: str = "live") -> dict:
    import jupyter_driver
    from playwright.sync_api import sync_playwright
    from test_browser_playground import kernel_report, open_playground, press_play_for

    chromium = jupyter_driver.find_chromium()
    if chromium is None:
        return {"skipped": "no Chromium: run `make browser-deps` or set CHROMIUM"}
    root = Path(tempfile.mkdtemp(prefix="training-bench-root-"))
    home = jupyter_driver.make_home("training-bench-home-")
    path, notebook = browser_notebook(root, canvas)
    server = jupyter_driver.start_lab(root, home)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                                 args=jupyter_driver.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=device_scale_factor)
            page.set_default_timeout(90_000)
            page.add_init_script(FRAME_PROBE)
            open_playground(page, server, path, workspace="training-bench")
            before = kernel_report(server, path)
            page.evaluate("() => window.__resetFrameProbe()")
            counts = press_play_for(page, seconds)
            probe = page.evaluate("() => ({...window.__frameProbe, seconds: (performance.now() - "
                                  "window.__frameProbe.start) / 1000})")
            after = kernel_report(server, path)
            chromium_version = browser.version
            browser.close()
    finally:
        left = jupyter_driver.stop(server)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    index = max(range(len(after)), key=lambda i: after[i]["step_count"])
    played, at_play = after[index], before[min(index, len(before) - 1)]
    elapsed = counts["elapsed_ms"] / 1000
    stats = played["play_stats"]
    by_canvas = {f"canvas {k}": round(v / elapsed, 1) for k, v in sorted(counts["paintedByCanvas"].items())}
    return {
        "notebook": notebook,
        "device_pixel_ratio": device_scale_factor,
        "network": played["layer_sizes"],
        "data": played["data"],
        "speed": played["speed"],
        "seconds_counted": round(elapsed, 2),
        # every view that changes while playing gets a new picture this often (the slowest of them)
        "painted_frames_per_second": round(min(by_canvas.values(), default=0.0), 1),
        "painted_frames_by_canvas_per_second": by_canvas,  # canvases in page order (data, training, step)
        # animation frames in which any canvas got a new picture (views painted in different frames count twice)
        "screen_updates_per_second": round(counts["painted"] / elapsed, 1),
        "frames_received_per_second": round(counts["framesReceived"] / elapsed, 1),
        "frame_decoding": {
            "what": "all playground canvases together, from Play to Pause: frames decoded (off the main thread), "
                    "decodes that failed, and the mean time from a decode's start to its picture",
            "frames_per_second": round(probe["decodes"] / probe["seconds"], 1),
            "failed": probe["failed"],
            "decode_ms_mean": round(probe["decode_ms"] / max(probe["decodes"], 1), 1),
        },
        "kernel_play_stats": {
            "seconds": round(stats["seconds"], 2),
            "training_steps_per_second": round(stats["steps_per_second"], 1),
            "redraws_per_second": round(stats["frames_per_second"], 1),
        },
        "training_steps_while_counted": played["step_count"] - at_play["step_count"],
        "train_loss_at_play_and_pause": [round(at_play["train_loss"][-1], 4), round(played["train_loss"][-1], 4)],
        "chromium": chromium_version,
        "leftover_processes": len(left),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the JupyterLab + Chromium part")
    parser.add_argument("--seconds", type=float, default=6.0, help="how long to play in the browser")
    parser.add_argument("--device-scale-factor", type=float, default=1.0,
                        help="the browser's device pixel ratio (2: a high-density screen, four times the pixels)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    result = {"training_steps_per_second": training_steps()}
    playing = kernel_playing(seconds=4.0)  # as shipped: at most 30 redraws a second
    uncapped = kernel_playing(seconds=4.0, frame_interval=0.0)  # a redraw whenever the last one is answered
    fast = kernel_playing(seconds=4.0, speed="fast", answer_delay=0.03)
    ticks = one_step_redraws()
    result["kernel_redraws_per_second"] = playing["redraws_per_second"]
    result["kernel_playing"] = {
        "what": "Playground.play() on an asyncio loop for 4 s, canvases connected like a live notebook; a simulated "
                "browser answers each frame token (at once, or after 30 ms); redraws = play ticks that updated "
                "every visible view",
        "as_shipped_speed_normal": playing,
        "no_30_per_second_cap_speed_normal": uncapped,
        "speed_fast_browser_answers_after_30_ms": fast,
    }
    result["pyplot_replot_per_second"] = ticks["pyplot_replot"]["per_second"]
    result["one_step_and_redraw"] = ticks
    result["redraw_speedup_over_pyplot"] = ticks["speedup"]
    result["playing_redraws_over_pyplot"] = round(playing["redraws_per_second"]
                                                  / ticks["pyplot_replot"]["per_second"], 1)
    if args.no_browser:
        result["browser"] = {"skipped": "--no-browser"}
    else:
        for key, canvas in (("browser", "live"), ("browser_baseline_ipympl_canvas", "ipympl")):
            try:
                result[key] = in_the_browser(args.seconds, args.device_scale_factor, canvas)
            except Exception as error:  # report, never fail
                result[key] = {"error": f"{type(error).__name__}: {error}"[:2000]}
        baseline = result["browser_baseline_ipympl_canvas"].get("painted_frames_per_second")
        live = result["browser"].get("painted_frames_per_second")
        result["baseline_ipympl_painted_frames_per_second"] = baseline
        result["painted_speedup_over_ipympl_canvas"] = round(live / baseline, 2) if live and baseline else None
    browser = result["browser"]
    result["painted_frames_per_second"] = browser.get("painted_frames_per_second")
    result["targets"] = TARGETS
    if "kernel_play_stats" in browser:
        steps = browser["kernel_play_stats"]["training_steps_per_second"]
        where = "in the browser (kernel's play_stats)"
    else:
        steps = playing["training_steps_per_second"]
        where = "headless kernel (no browser part)"
    result["playing_training_steps_per_second"] = {"value": steps, "measured": where}
    painted = result["painted_frames_per_second"]
    result["met"] = {
        "playing_training_steps_per_second": steps >= TARGETS["playing_training_steps_per_second"],
        "painted_frames_per_second": None if painted is None else painted >= TARGETS["painted_frames_per_second"],
        "redraw_speedup_over_pyplot": result["redraw_speedup_over_pyplot"] >= TARGETS["redraw_speedup_over_pyplot"],
    }
    result["machine"] = {
        "load_average_1min_before_and_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "matplotlib": matplotlib.__version__,
        "helpers_commit": helpers_commit(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
