"""Every numeric question and prediction in every notebook, answered with each of its documented mistakes.

Each notebook runs in a fresh kernel (as Restart & Run All does); then every NumericQuestion and numeric
Predict it built is given its right answer and each known mistake, typed in full and to four significant
digits. A mistake typed in full must earn its own message; no mistake may ever be called correct.
"""

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("lessons/*.ipynb"), *ROOT.glob("notebooks/*.ipynb")])

PROBE = """
import gc, json
from helpers.exercises import NumericQuestion, Predict, check_numeric
_report = []
for _q in gc.get_objects():
    if not isinstance(_q, (NumericQuestion, Predict)) or getattr(_q, "answer", None) is None:
        continue
    _entry = {"prompt": _q.prompt[:70], "right": check_numeric(repr(_q.answer), _q.answer, _q.rel_tol, _q.abs_tol,
                                                                 _q.mistakes), "mistakes": []}
    for _value, _message in _q.mistakes:
        _full = check_numeric(repr(_value), _q.answer, _q.rel_tol, _q.abs_tol, _q.mistakes)
        _short = check_numeric(f"{_value:.4g}", _q.answer, _q.rel_tol, _q.abs_tol, _q.mistakes)
        _entry["mistakes"].append({"value": _value, "message": _message, "full": _full, "short": _short})
    _report.append(_entry)
print(json.dumps(_report))
"""


def _questions_of(path):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = nbclient.NotebookClient(notebook, kernel_name="python3", timeout=300,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    outputs = notebook.cells[-1].outputs
    text = "".join(output.get("text", "") for output in outputs if output.get("output_type") == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_each_documented_mistake_earns_its_own_message(path):
    questions = _questions_of(path)
    if path.parent.name == "lessons":
        assert questions, f"{path.name}: no numeric question found"
    problems = []
    for question in questions:
        if not question["right"][0]:
            problems.append(f"{question['prompt']!r}: its own answer is judged wrong: {question['right'][1]}")
        for mistake in question["mistakes"]:
            ok, said = mistake["full"]
            if ok or said != mistake["message"]:
                problems.append(f"{question['prompt']!r}: mistake {mistake['value']!r} got {said!r}")
            if mistake["short"][0]:
                problems.append(f"{question['prompt']!r}: mistake {mistake['value']:.4g} (4 digits) is called correct")
        if not question["mistakes"]:
            problems.append(f"{question['prompt']!r}: lists no known mistake")
    assert not problems, "\n".join(problems)
