"""A real kernel, sent the execute requests JupyterLab sends, runs an explorer cell again and again.

The cell id in each request lets the new explorer close the one the cell's last run made, so the
kernel's live widgets stay flat and its memory does not climb (benchmarks/memory.py prints the figures
for 100 runs, beside a client that sends no cell id).
"""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("jupyter_client")

_spec = importlib.util.spec_from_file_location("memory_benchmark", Path(__file__).parents[1] / "benchmarks/memory.py")
memory_benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(memory_benchmark)

RUNS = 12


@pytest.fixture(scope="module")
def runs_with_cell_id():
    return memory_benchmark.measure(RUNS, send_cell_id=True)


def test_rerunning_an_explorer_cell_keeps_one_explorer_and_flat_widgets(runs_with_cell_id):
    after_first, last = runs_with_cell_id[1], runs_with_cell_id[-1]
    assert [sample["explorers"] for sample in runs_with_cell_id[1:]] == [1] * RUNS
    assert {sample["widgets"] for sample in runs_with_cell_id[1:]} == {after_first["widgets"]}
    # the leak was ~14 MB per run (~150 MB over these runs); allow for the allocator's slack
    assert last["rss"] - after_first["rss"] < 60 * 2**20


def test_without_a_cell_id_nothing_is_closed():
    samples = memory_benchmark.measure(3, send_cell_id=False)
    assert [sample["explorers"] for sample in samples] == [0, 1, 2, 3]
    assert samples[3]["widgets"] > samples[1]["widgets"]
