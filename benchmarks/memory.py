"""Memory of a kernel whose explorer cell is run again and again, as a student does all afternoon.

A real ipykernel is sent the execute requests JupyterLab sends (with the cell's id in the request's
metadata), 100 times the same explorer cell. Printed as JSON: the kernel's resident memory and its
count of live widgets after each run, for two clients:

- "jupyterlab": requests carry the cell id, so each run closes the explorer the last run made;
- "no_cell_id": requests carry none (nbval, a console, an old front end), so nothing closes them:
  this is how every front end behaved before explorers had a lifecycle.

    python benchmarks/memory.py [--runs 100]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SETUP = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from helpers import office_hours_example
from helpers.widgets import Explorer
"""

EXPLORER_CELL = "explorer = Explorer(*office_hours_example())\nexplorer"

PROBE = """
import json, gc
from ipywidgets.widgets.widget import _instances
from helpers.widgets import live_explorers
gc.collect()
rss = [int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmRSS')][0] * 1024
print(json.dumps({"rss": rss, "widgets": len(_instances), "explorers": len(live_explorers())}))
"""


def _execute(client, code, cell_id=None, timeout=120):
    """Run ``code`` like JupyterLab does (cell id in the metadata); return what it printed."""
    metadata = {"cellId": cell_id} if cell_id else {}
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}
    message = client.session.msg("execute_request", content, metadata=metadata)
    client.shell_channel.send(message)
    request_id = message["header"]["msg_id"]
    printed, deadline = [], time.monotonic() + timeout
    while True:
        try:
            reply = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError(f"no answer to {code[:40]!r} within {timeout} s") from None
        if reply["parent_header"].get("msg_id") != request_id:
            continue
        kind = reply["msg_type"]
        if kind == "stream":
            printed.append(reply["content"]["text"])
        elif kind == "error":
            raise RuntimeError("\n".join(reply["content"]["traceback"]))
        elif kind == "status" and reply["content"]["execution_state"] == "idle":
            return "".join(printed)


def measure(runs=100, send_cell_id=True, progress=None):
    """Start a kernel, run the explorer cell ``runs`` times; return the probe after each run."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        _execute(client, SETUP)
        samples = [json.loads(_execute(client, PROBE))]
        for run in range(runs):
            _execute(client, EXPLORER_CELL, cell_id="explorer-cell" if send_cell_id else None)
            samples.append(json.loads(_execute(client, PROBE)))
            if progress:
                progress(run + 1, samples[-1])
        return samples
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()

    def progress(run, sample):
        if run % 10 == 0:
            print(f"  run {run}: {sample['rss'] / 2**20:.0f} MiB, {sample['widgets']} widgets", file=sys.stderr)

    results = {}
    for client, send_cell_id in (("jupyterlab", True), ("no_cell_id", False)):
        print(f"{client}: {args.runs} runs of the explorer cell ...", file=sys.stderr)
        started = time.monotonic()
        samples = measure(args.runs, send_cell_id, progress)
        first, after_one, last = samples[0], samples[1], samples[-1]
        results[client] = {
            "runs": args.runs,
            "rss_before_mib": round(first["rss"] / 2**20, 1),
            "rss_after_first_run_mib": round(after_one["rss"] / 2**20, 1),
            "rss_after_last_run_mib": round(last["rss"] / 2**20, 1),
            "rss_growth_after_first_run_mib": round((last["rss"] - after_one["rss"]) / 2**20, 1),
            "widgets_after_first_run": after_one["widgets"],
            "widgets_after_last_run": last["widgets"],
            "live_explorers_after_last_run": last["explorers"],
            "seconds": round(time.monotonic() - started, 1),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
