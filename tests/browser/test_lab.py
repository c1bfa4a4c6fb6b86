"""Every lesson and notebook, run in a real JupyterLab by headless Chromium, as a student would run it.

One page (and one kernel) per notebook, kept for the module: first every notebook runs all its cells and is
checked for errors, blank canvases and console errors; then the explorers are driven by keyboard and mouse.
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import dataclass

import jupyter_driver
import lab_page
import numpy as np
import pytest

from helpers import chain_example, office_hours_example, parameter_names, set_parameter, two_two_two_example

pytestmark = pytest.mark.browser

COURSE = jupyter_driver.course_root()
NOTEBOOKS = [path.as_posix() for path in jupyter_driver.discover_notebooks(COURSE)]
EXPLORER_NOTEBOOKS = [path for path in NOTEBOOKS if jupyter_driver.has_explorer(COURSE / path)]

# Console messages that are not failures. Each entry: (pattern, why it is harmless). Keep it short.
ALLOWED_CONSOLE_ERRORS: list[tuple[re.Pattern, str]] = []

# How many arrow presses a keyboard user makes; each moves a slider by one step.
ARROW_PRESSES = 5


@dataclass
class OpenNotebook:
    path: str
    page: object
    log: lab_page.BrowserLog
    run_seconds: float
    log_console_seen: int = 0

    def errors_shown(self) -> list[str]:
        return lab_page.error_outputs(self.page, jupyter_driver.cells_raising_on_purpose(COURSE / self.path))

    def new_log_console_errors(self) -> list[str]:
        """Log console errors since the last call (each test reports only what its own actions caused)."""
        logged = lab_page.log_console_errors(self.page)
        fresh, self.log_console_seen = logged[self.log_console_seen :], len(logged)
        return fresh


@pytest.fixture(scope="module")
def notebook_pages(lab_server, browser, screenshot_dir):
    """Opens and runs a notebook on first request; later tests of the same notebook get the same page."""
    opened: dict[str, OpenNotebook] = {}
    failures: dict[str, str] = {}
    contexts = []

    def open_and_run(path: str) -> OpenNotebook:
        if path in failures:  # later tests of a notebook that did not run: fail fast, same message
            raise AssertionError(failures[path])
        if path not in opened:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            contexts.append(context)
            page = context.new_page()
            page.set_default_timeout(60_000)
            log = lab_page.BrowserLog(allowed=ALLOWED_CONSOLE_ERRORS).attach(page)
            try:
                lab_page.open_notebook(page, lab_server, path, workspace=f"test{len(contexts)}")
                started = time.monotonic()
                attempts = lab_page.run_all_cells(page)
                if attempts > 1:
                    warnings.warn(f"{path}: Run All Cells had to be chosen {attempts} times", stacklevel=1)
                lab_page.wait_until_executed(page)
            except Exception as error:
                page.screenshot(path=str(screenshot_dir / f"FAILED-run-{path.replace('/', '_')}.png"))
                failures[path] = (
                    f"{path}: not every cell finished ({type(error).__name__}); prompts {lab_page.prompts(page)}; "
                    f"error outputs {lab_page.error_outputs(page)}; console {log.errors()}"
                )
                raise AssertionError(failures[path]) from error
            opened[path] = OpenNotebook(path, page, log, time.monotonic() - started)
        return opened[path]

    open_and_run.opened = opened
    yield open_and_run
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, notebook_pages, screenshot_dir):
    yield
    path = request.node.funcargs.get("path")
    if lab_page.call_failed(request) and path in notebook_pages.opened:
        name = f"FAILED-{request.node.name}".replace("/", "_").replace("[", "-").replace("]", "")
        notebook_pages.opened[path].page.screenshot(path=str(screenshot_dir / f"{name}.png"))


def readable_errors(texts: list[str]) -> str:
    return "\n---\n".join(lab_page.last_line(text) for text in texts)


# A figure inside an element a widget layout set to display: none is hidden on purpose, not broken.
HIDDEN_BY_LAYOUT_JS = """element => {
    for (let node = element; node; node = node.parentElement) {
        if (getComputedStyle(node).display === "none") return true;
    }
    return false;
}"""


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_runs_clean_in_jupyterlab(notebook_pages, screenshot_dir, path):
    notebook = notebook_pages(path)
    page = notebook.page

    errors = notebook.errors_shown()
    assert not errors, f"{path}: cells show errors:\n{readable_errors(errors)}"
    unfinished = [prompt for prompt in lab_page.prompts(page) if not re.fullmatch(r"\[\d+\]:", prompt)]
    assert not unfinished, f"{path}: cells did not run: prompts {lab_page.prompts(page)}"

    figures = page.locator(lab_page.FIGURE)
    for index in range(figures.count()):
        if figures.nth(index).evaluate(HIDDEN_BY_LAYOUT_JS):
            continue  # a view its widget shows only on demand (the playground's step view until an example is picked)
        canvas = figures.nth(index).locator(lab_page.FIGURE_CANVAS)
        canvas.scroll_into_view_if_needed()
        assert canvas.is_visible(), f"{path}: ipympl figure {index} is not visible"
        box = canvas.bounding_box()
        assert box["width"] > 50 and box["height"] > 50, f"{path}: ipympl figure {index} is {box}"
        pixels = lab_page.canvas_pixels(canvas)
        assert not jupyter_driver.looks_blank(pixels), f"{path}: ipympl figure {index} is blank"

    lab_page.save_notebook_screenshot(page, screenshot_dir / f"{path.rsplit('/', 1)[-1].removesuffix('.ipynb')}.png")
    logged = notebook.new_log_console_errors()
    assert not logged, f"{path}: the log console shows errors:\n{readable_errors(logged)}"
    assert not notebook.log.errors(), f"{path}: browser console errors:\n" + "\n".join(notebook.log.errors())


EXPLORER = ".backprop-explorer"


def explorer_scope(page):
    """The explorer's box (controls beside views): the one with the w1 slider."""
    area = page.locator(EXPLORER).filter(has=lab_page.slider(page, "w1"))
    assert area.count() >= 1, "no explorer (a box with a w1 slider) in the notebook"
    return area.first


def readout(page, name: str, scope):
    """The explorer's own readout beside a slider (the exact value, rounded as in the views)."""
    row = scope.locator(".widget-hbox").filter(has=lab_page.slider(page, name)).last  # has= is relative
    return row.locator(".widget-html-content").first


def network_canvas(scope):
    """The network diagram: the first ipympl figure of the explorer (views are shown in the order given)."""
    return scope.locator(lab_page.FIGURE).first.locator(lab_page.FIGURE_CANVAS)


def weight_to_move(page, scope) -> str:
    """w5 (an output weight of the office-hours network) when there is one, else the last weight."""
    labels = [text.strip() for text in scope.locator(f"{lab_page.SLIDER} .widget-label").all_text_contents()]
    weights = [label for label in labels if re.fullmatch(r"w\d+", label)]
    return "w5" if "w5" in weights else weights[-1]


@pytest.mark.parametrize("path", EXPLORER_NOTEBOOKS)
def test_explorer_weight_slider_by_keyboard(notebook_pages, path):
    notebook = notebook_pages(path)
    page = notebook.page
    scope = explorer_scope(page)
    name = weight_to_move(page, scope)
    weight = lab_page.slider(page, name, scope)
    canvas = network_canvas(scope)
    value_before = lab_page.slider_value(weight)
    readout_before = readout(page, name, scope).text_content()
    pixels_before = lab_page.canvas_bitmap(canvas)

    lab_page.press_on_slider(weight, "ArrowRight", ARROW_PRESSES)

    page.wait_for_function(
        f"([handle, before]) => ({lab_page.SLIDER_VALUE_JS})(handle) > before",
        arg=[weight.locator(lab_page.SLIDER_HANDLE).element_handle(), value_before],
    )
    assert lab_page.slider_value(weight) > value_before
    changed = lab_page.wait_for_new_pixels(canvas, pixels_before)
    # A traceback from the kernel explains a frozen canvas best, so look for one first.
    logged = notebook.new_log_console_errors()
    assert not logged, f"{path}: moving {name} logged errors:\n{readable_errors(logged)}"
    assert not notebook.errors_shown(), (
        f"{path}: moving {name} shows errors:\n{readable_errors(notebook.errors_shown())}"
    )
    assert changed > 0, f"{path}: the network diagram did not change after moving {name} by keyboard"
    # the readout is the kernel's answer, sent after the views' frames: wait for it to change
    readout_box = readout(page, name, scope)
    page.wait_for_function("([element, before]) => element.textContent !== before",
                           arg=[readout_box.element_handle(), readout_before])
    readout_after = readout_box.text_content()
    assert lab_page.readout_number(readout_after) > lab_page.readout_number(readout_before), (
        f"{path}: the {name} readout shows {readout_after} after moving up from {readout_before}"
    )
    assert not notebook.log.errors(), "\n".join(notebook.log.errors())


# The worked examples an explorer can be built on, with the weight numbering of their diagrams.
EXAMPLES = ((office_hours_example, "by_sender"), (chain_example, "by_sender"), (two_two_two_example, "by_receiver"))
PARAMETER_NAME = re.compile(r"^(w\d+|b\d+_\d+)$")


def shown_sliders(page, scope) -> dict[str, dict]:
    """{label: {"value", "step"}} of every slider the explorer shows."""
    found = {}
    for index in range(scope.locator(lab_page.SLIDER).count()):
        one = scope.locator(lab_page.SLIDER).nth(index)
        label = one.locator(".widget-label").first.inner_text().strip()
        step = one.locator(".noUi-target").evaluate("element => element.noUiSlider.options.step")
        found[label] = {"value": lab_page.slider_value(one), "step": float(step)}
    return found


def expected_step(sliders: dict[str, dict]):
    """(value, change -lr*dE/dw) per parameter, computed here from the values the page shows."""
    parameters = {name for name in sliders if PARAMETER_NAME.match(name)}
    for build, numbering in EXAMPLES:
        net, x, y, lr = build()
        names = parameter_names(net, numbering)
        if set(names) == parameters:
            break
    else:
        raise AssertionError(f"the explorer's parameters {sorted(parameters)} match no worked example")
    for name, where in names.items():
        net = set_parameter(net, where, sliders[name]["value"])
    x = np.array([sliders.get(f"x{i + 1}", {"value": value})["value"] for i, value in enumerate(x)])
    y = np.array([sliders["y"]["value"]]) if "y" in sliders and y.size == 1 else y
    lr = sliders.get("lr", {"value": lr})["value"]
    gradients = net.gradients(x, y)
    changes = {}
    for name, (kind, layer, row, col) in names.items():
        grad = gradients.weights[layer][row, col] if kind == "weight" else gradients.biases[layer][row]
        changes[name] = -lr * float(grad)
    return changes


@pytest.mark.parametrize("path", EXPLORER_NOTEBOOKS)
def test_explorer_take_a_step_moves_weights_downhill(notebook_pages, path):
    notebook = notebook_pages(path)
    page = notebook.page
    scope = explorer_scope(page)
    if not scope.get_by_role("button", name="take a step").count():
        pytest.skip(f"{path}: this lesson's explorer has no step (steps are taught in lesson 03)")
    before = shown_sliders(page, scope)
    exact = {name: lab_page.readout_number(readout(page, name, scope).text_content()) for name in before
             if PARAMETER_NAME.match(name)}
    changes = expected_step({**before, **{name: {"value": value} for name, value in exact.items()}})
    canvas = network_canvas(scope)
    pixels_before = lab_page.canvas_bitmap(canvas)

    scope.get_by_role("button", name="take a step").click()

    # The readouts show the exact values (3 decimals); the sliders only their 0.1 grid.
    mover = max(changes, key=lambda name: abs(changes[name]))
    assert abs(changes[mover]) > 0.002, f"{path}: no weight would visibly move: {changes}"
    box = readout(page, mover, scope)
    page.wait_for_function("([element, before]) => element.textContent !== before",
                           arg=[box.element_handle(), f"{exact[mover]:.3f}".replace("-", "\u2212")])
    report = []
    for name, change in changes.items():
        moved = lab_page.readout_number(readout(page, name, scope).text_content()) - exact[name]
        if abs(moved - change) > 0.0011:  # both readouts rounded to 3 decimals
            report.append(f"{name}: moved {moved:+.4f}, -lr*dE/dw = {change:+.4f}")
    changed = lab_page.wait_for_new_pixels(canvas, pixels_before)
    logged = notebook.new_log_console_errors()
    assert not logged, f"{path}: taking a step logged errors:\n{readable_errors(logged)}"
    assert not report, f"{path}: 'take a step' did not move the weights by -lr*dE/dw:\n" + "\n".join(report)
    assert changed > 0, f"{path}: the network diagram did not change after a step"
    assert not notebook.log.errors(), "\n".join(notebook.log.errors())


# Presses in a burst, without waiting: frames then come faster than the browser loads them.
BURST_PRESSES = 10  # one step is 0.1: a weight in the range's upper half stays inside it


def wait_for_still_canvas(canvas, still_seconds: float = 1.5, timeout: float = 30) -> np.ndarray:
    """The canvas bitmap once it has not changed for still_seconds."""
    deadline = time.monotonic() + timeout
    last, since = lab_page.canvas_bitmap(canvas), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = lab_page.canvas_bitmap(canvas)
        if jupyter_driver.changed_fraction(last, now) > 0:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= still_seconds:
            return now
    raise AssertionError(f"the canvas kept changing for {timeout} s")


@pytest.mark.parametrize("path", EXPLORER_NOTEBOOKS)
def test_explorer_picture_is_right_after_a_burst_of_key_presses(notebook_pages, path):
    """Down and back up again by the same number of fast presses: the network diagram must show the
    starting picture exactly, whichever frames the browser skipped on the way (no stale pixels)."""
    notebook = notebook_pages(path)
    page = notebook.page
    scope = explorer_scope(page)
    name = weight_to_move(page, scope)
    weight = lab_page.slider(page, name, scope)
    canvas = network_canvas(scope)
    value_js = f"([handle, wanted]) => Math.abs(({lab_page.SLIDER_VALUE_JS})(handle) - wanted) < 1e-9"
    handle = weight.locator(lab_page.SLIDER_HANDLE)

    # One press first puts the value on the slider's grid, where the burst comes back to exactly.
    lab_page.press_on_slider(weight, "ArrowLeft")
    lab_page.wait_for_idle(page)
    start = lab_page.slider_value(weight)
    before = wait_for_still_canvas(canvas)

    # down first, then back up: an earlier test left the weight near the top of its range, where presses
    # up would stop at the end of the slider and never come back to the start
    lab_page.press_on_slider(weight, "ArrowLeft", BURST_PRESSES)
    lab_page.press_on_slider(weight, "ArrowRight", BURST_PRESSES)
    page.wait_for_function(value_js, arg=[handle.element_handle(), start])
    lab_page.wait_for_idle(page)
    after = wait_for_still_canvas(canvas)

    assert before.shape == after.shape
    stale = np.any(np.abs(before - after) > 2.5 / 255, axis=-1)
    logged = notebook.new_log_console_errors()
    assert not logged, f"{path}: the burst logged errors:\n{readable_errors(logged)}"
    assert not stale.any(), (
        f"{path}: after {BURST_PRESSES} fast presses up and as many down, {int(stale.sum())} pixels of the network "
        f"diagram differ from the picture before (rows {np.flatnonzero(stale.any(axis=1))[[0, -1]]})"
    )
    assert not notebook.log.errors(), "\n".join(notebook.log.errors())


# The screens the course is taught on: a laptop in the default style, a lecture hall in the projector style.
LAPTOP = {"width": 1366, "height": 768}
PROJECTOR = {"width": 1920, "height": 1080}


def assert_explorer_fits(page, path: str, screen: dict, screenshot):
    """Scrolled to its top, the whole explorer (every view and control) is inside the notebook's visible area."""
    page.set_viewport_size(screen)
    lab_page.wait_for_idle(page)
    scope = explorer_scope(page)
    scope.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)  # the notebook's windowed layout settles after a scroll
    scroller = page.locator(lab_page.LAB_SCROLLER).first.bounding_box()
    box = scope.bounding_box()
    parts = [scope.locator(lab_page.FIGURE).nth(i) for i in range(scope.locator(lab_page.FIGURE).count())]
    parts += [scope.locator(lab_page.SLIDER).nth(i) for i in range(scope.locator(lab_page.SLIDER).count())]
    parts += [scope.locator("button").nth(i) for i in range(scope.locator("button").count())]
    page.screenshot(path=str(screenshot))
    outside = []
    for part in parts:
        b = part.bounding_box()
        if b is None:
            continue
        right, bottom = scroller["x"] + scroller["width"], scroller["y"] + scroller["height"]
        if (b["x"] < scroller["x"] - 1 or b["y"] < scroller["y"] - 1 or b["x"] + b["width"] > right + 1
                or b["y"] + b["height"] > bottom + 1):
            outside.append(f"{part}: {b}")
    assert box["width"] <= scroller["width"] and box["height"] <= scroller["height"], (
        f"{path}: the explorer is {box['width']:.0f} x {box['height']:.0f} px; the notebook shows "
        f"{scroller['width']:.0f} x {scroller['height']:.0f} px at {screen['width']}x{screen['height']}"
    )
    assert not outside, f"{path}: parts of the explorer off screen at {screen}:\n" + "\n".join(outside)
    # ipympl paints its resize handle (a grey corner) on the top canvas of each figure: none may show
    handles = scope.locator(lab_page.FIGURE).evaluate_all(
        """figures => figures.map(figure => {
            const top = figure.querySelectorAll('.jupyter-matplotlib-canvas-div canvas')[1];
            return top.getContext('2d').getImageData(top.width - 6, top.height - 6, 1, 1).data[3];
        })"""
    )
    assert handles and not any(handles), f"{path}: a resize handle shows in the corner of a view ({handles})"
    controls = scope.locator(lab_page.SLIDER).first.bounding_box()
    first_view = scope.locator(lab_page.FIGURE).first.bounding_box()
    assert controls["x"] + controls["width"] <= first_view["x"] + 1, f"{path}: the controls are not beside the views"


@pytest.mark.parametrize("path", EXPLORER_NOTEBOOKS)
def test_explorer_fits_a_laptop_screen(notebook_pages, screenshot_dir, path):
    notebook = notebook_pages(path)
    try:
        assert_explorer_fits(notebook.page, path, LAPTOP,
                             screenshot_dir / f"fit-1366x768-{path.rsplit('/', 1)[-1].removesuffix('.ipynb')}.png")
    finally:
        notebook.page.set_viewport_size({"width": 1280, "height": 900})


def test_explorer_fits_a_projector_in_the_projector_style(lab_server, browser, screenshot_dir):
    """Lesson 02 (the widest explorer: network and surface) with helpers.style.use("projector") first."""
    import json

    source = COURSE / "lessons/02_logistic_cost.ipynb"
    notebook = json.loads(source.read_text())
    first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    first_code["source"] = "import helpers.style\nhelpers.style.use('projector')\n" + "".join(first_code["source"])
    path = "lessons/02_logistic_cost_projector.ipynb"
    (lab_server.course_root / path).write_text(json.dumps(notebook))
    context = browser.new_context(viewport=PROJECTOR, device_scale_factor=1)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        lab_page.open_notebook(page, lab_server, path, workspace="projector")
        lab_page.run_all_cells(page)
        lab_page.wait_until_executed(page)
        assert_explorer_fits(page, path, PROJECTOR, screenshot_dir / "fit-1920x1080-projector-02_logistic_cost.png")
    finally:
        context.close()
