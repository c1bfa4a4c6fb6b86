"""Restart & Run All for every notebook, saving the outputs in place (what nbval compares against).

    python tools/run_notebooks.py                   # every notebook in lessons/ and notebooks/
    python tools/run_notebooks.py lessons/02_logistic_cost.ipynb

Each notebook runs in a fresh "python3" kernel from its own folder, like Restart & Run All in
JupyterLab. The saved file is deterministic, so re-running an unchanged notebook changes nothing:
no timing metadata, a fixed hash seed, stdout/stderr chunks merged, the standard kernelspec (so
JupyterLab never asks which kernel to use), and no widget state or widget views. Widget model ids
are random and the models die with the kernel, so a saved view could only ever say "model not
found"; without it every front end shows the PNG/HTML that our displays carry beside the view
(JupyterLab before the first run, GitHub, nbviewer, nbconvert). Running the notebook brings the
live widgets back. --keep-widget-views keeps the views anyway.
A notebook that fails is reported and left unchanged on disk; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("lessons", "notebooks")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebooks_to_run(paths):
    if paths:
        return [Path(p).resolve() for p in paths]
    found = []
    for folder in FOLDERS:
        found.extend(sorted((ROOT / folder).glob("*.ipynb")))
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _tidy_outputs(cell, keep_widget_views):
    """Merge consecutive stream chunks (their split depends on timing) and drop dead widget views."""
    tidy = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and tidy and tidy[-1].output_type == "stream" \
                and tidy[-1].name == output.name:
            tidy[-1].text += output.text
            continue
        if not keep_widget_views and output.output_type in ("display_data", "execute_result"):
            output.data.pop(WIDGET_VIEW, None)
            if not output.data:
                continue
        tidy.append(output)
    cell.outputs = tidy


def run_one(path, timeout, keep_widget_views=False):
    """Execute one notebook in place. Returns (ok, message)."""
    if not path.is_file():
        return False, "FAILED: no such file"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.pop("widgets", None)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()  # tracebacks come with terminal colours
        first_line = text.splitlines()[-1] if text else type(error).__name__
        return False, f"FAILED ({type(error).__name__}): {first_line}"
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            _tidy_outputs(cell, keep_widget_views)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    code_cells = sum(cell.cell_type == "code" for cell in nb.cells)
    return True, f"ok, {code_cells} code cells"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks to run (default: lessons/ and notebooks/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--keep-widget-views", action="store_true",
                        help="keep widget views in the saved outputs (their model ids change on every run)")
    args = parser.parse_args(argv)

    # The kernel inherits this environment: fixed hash seed, the default look for figures.
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.pop("BACKPROP_STYLE", None)

    paths = notebooks_to_run(args.paths)
    if not paths:
        print("no notebooks found in " + ", ".join(FOLDERS))
        return 0
    failures = 0
    for number, path in enumerate(paths, start=1):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"[{number}/{len(paths)}] {shown} ...", end=" ", flush=True)
        started = time.perf_counter()
        ok, message = run_one(path, args.timeout, args.keep_widget_views)
        print(f"{message} ({time.perf_counter() - started:.1f} s)", flush=True)
        failures += not ok
    if failures:
        print(f"{failures} of {len(paths)} notebooks failed; their files were left unchanged.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
