"""What a person does in a JupyterLab (or Voila) page, as playwright calls, and what they can see there.

Selectors are JupyterLab 4 / ipywidgets 8 / ipympl 0.10 ones; each is named once here.
"""

from __future__ import annotations

import base64
import re
import time
from dataclasses import dataclass, field

import numpy as np
from jupyter_driver import changed_fraction, decode_png
from playwright.sync_api import TimeoutError as PlaywrightTimeout

EXECUTION_INDICATOR = ".jp-Notebook-ExecutionIndicator"
CODE_PROMPT = ".jp-CodeCell .jp-InputArea-prompt"
# Lab renders both error outputs and stderr streams with this mime type.
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# The picture of an ipympl figure: the lower of its two canvases (the upper one only draws rubber bands).
# a figure: ipympl's, or a live canvas of helpers.live.bitmap (the playground's views)
FIGURE = ".jupyter-matplotlib-figure, .live-canvas"
FIGURE_CANVAS = ":is(.jupyter-matplotlib-canvas-div, .live-canvas-div) canvas >> nth=0"
SLIDER = ".widget-slider"
SLIDER_HANDLE = ".noUi-handle[role=slider]"
# ipywidgets writes this instead of a view when it cannot build one (e.g. its model is gone).
WIDGET_ERROR_TEXT = re.compile(r"Error displaying widget|Error rendering output|Failed to (load|create) (model|view)")


@dataclass
class BrowserLog:
    """Console errors and uncaught page errors of one page, minus messages proven harmless."""

    # (pattern, why it is harmless). Add only with a reason a reviewer can check.
    allowed: list[tuple[re.Pattern, str]] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)

    def attach(self, page):
        page.on("console", lambda message: self.messages.append((message.type, message.text)))
        page.on("pageerror", lambda error: self.messages.append(("pageerror", f"{error.name}: {error.message}")))
        # The console's "Failed to load resource" names no URL; these two record the URL instead.
        page.on(
            "requestfailed",
            lambda request: self.messages.append(("requestfailed", f"{request.url} ({request.failure})")),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.messages.append(("http-error", f"{response.url} (HTTP {response.status})"))
            ),
        )
        return self

    def errors(self) -> list[str]:
        return [
            f"[{kind}] {text}"
            for kind, text in self.messages
            if kind in ("error", "pageerror", "requestfailed", "http-error")
            and not (kind == "error" and text.startswith("Failed to load resource"))  # recorded with its URL
            and not any(pattern.search(text) for pattern, _ in self.allowed)
        ]


def call_failed(request) -> bool:
    """Whether the test of this fixture request failed (set by the report hook in conftest.py)."""
    report = getattr(request.node, "report_call", None)
    return report is None or report.failed


def dismiss_interruptions(page):
    """Close what can sit on top of the notebook and swallow clicks: dialogs and toasts."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and dialog.first.is_visible():
        text = dialog.first.inner_text()
        # A kernel choice: keep the preselected kernel (the one the notebook's metadata names).
        accept = dialog.locator(".jp-Dialog-button.jp-mod-accept")
        if "kernel" in text.lower() and accept.count():
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        dialog.first.wait_for(state="detached", timeout=10_000)
    for close in page.locator(".jp-Notification-Toast-Close, .Toastify__close-button").all():
        if close.is_visible():
            close.click()


def open_notebook(page, server, path: str, workspace: str, timeout: float = 90_000):
    """Open a notebook in a fresh JupyterLab workspace (nothing restored from earlier pages) and wait until its
    kernel is idle; the file browser is folded away so the notebook gets the width."""
    page.goto(server.url(f"lab/workspaces/{workspace}/tree/{path}"))
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=timeout)
    # A kernel dialog can only show up once the notebook is open, before the kernel starts.
    page.wait_for_function(
        f"""() => document.querySelector('.jp-Dialog') ||
            document.querySelector('{EXECUTION_INDICATOR}')?.dataset.status === 'idle'""",
        timeout=timeout,
    )
    dismiss_interruptions(page)
    wait_for_idle(page, timeout)
    wait_for_kernel_connection(server, path, timeout)
    open_sidebar_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_sidebar_tab.count():
        open_sidebar_tab.first.click()
        page.locator("#jp-left-stack").wait_for(state="hidden")
    # Menu commands act on the active document: activate the notebook by its tab, as a person would.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=path.rsplit("/", 1)[-1]).first.click()
    page.locator(".jp-NotebookPanel.jp-mod-current, .jp-NotebookPanel:focus-within").first.wait_for()


def wait_for_kernel_connection(server, path: str, timeout: float):
    """The server reports a kernel for this notebook with this page connected to it, ready to execute.

    The toolbar can say idle a moment before the page's kernel connection is up; a Run All chosen in that
    moment was seen (about one run in five, before this wait) to leave every cell unrun."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        for session in server.api("api/sessions"):
            kernel = session.get("kernel") or {}
            connected = kernel.get("connections", 0) >= 1 and kernel.get("execution_state") == "idle"
            if session.get("path") == path and connected:
                return
        time.sleep(0.2)
    raise TimeoutError(f"no idle, connected kernel for {path}: {server.api('api/sessions')}")


def menu(page, top: str, item: str):
    """Click a menu bar entry, then one of its items, as a person does."""
    dismiss_interruptions(page)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(top)}$")).click()
    page.locator(".lm-Menu-item:visible .lm-Menu-itemLabel", has_text=re.compile(rf"^{re.escape(item)}$")).click()


def wait_for_idle(page, timeout: float = 90_000):
    page.wait_for_selector(f"{EXECUTION_INDICATOR}[data-status=idle]", timeout=timeout)


def run_all_cells(page, timeout: float = 15_000, attempts: int = 2):
    """Run > Run All Cells; returns once the kernel has picked the cells up (a prompt shows * or a number).

    Tries the menu again if nothing started (a notebook that just connected to its kernel can drop the
    first request); returns how many tries it took."""
    started = f"""() => [...document.querySelectorAll('{CODE_PROMPT}')]
        .some(p => /^\\[(\\*|\\d+)\\]:$/.test(p.textContent.trim()))"""
    for attempt in range(1, attempts + 1):
        menu(page, "Run", "Run All Cells")
        try:
            page.wait_for_function(started, timeout=timeout)
            return attempt
        except PlaywrightTimeout:
            if attempt == attempts:
                raise
    return attempts


def wait_until_executed(page, timeout: float = 240_000):
    """Every code cell has an execution count and the kernel is idle again; or Run All stopped at an error
    (nothing queued, the kernel idle, an error shown), which the caller then reports."""
    page.wait_for_function(
        f"""() => {{
            const prompts = [...document.querySelectorAll('{CODE_PROMPT}')].map(p => p.textContent.trim());
            if (document.querySelector('{EXECUTION_INDICATOR}')?.dataset.status !== 'idle') return false;
            if (prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p))) return true;
            return !prompts.includes('[*]:') && document.querySelector('{STDERR_OUTPUT}') !== null;
        }}""",
        timeout=timeout,
        polling=250,
    )


def prompts(page) -> list[str]:
    # textContent, not innerText: cells scrolled far away are not rendered (content-visibility), and
    # innerText of unrendered elements is empty.
    return [text.strip() for text in page.locator(CODE_PROMPT).all_text_contents()]


def error_outputs(page, expected_cells=frozenset()) -> list[str]:
    """Text of every error or stderr output and every widget that failed to display, except in the cells
    (indices) where an error is part of the lesson (tagged raises-exception, as nbval knows them)."""
    # text_content, not inner_text: cells far off screen are not rendered and their inner text is empty
    return page.evaluate(
        f"""expected => [...document.querySelectorAll('.jp-Notebook .jp-Cell, #rendered_cells .jp-Cell')]
            .flatMap((cell, index) => expected.includes(index) ? []
                : [...cell.querySelectorAll('.jp-OutputArea-output')])
            .filter(output => output.matches('{STDERR_OUTPUT}')
                || /{WIDGET_ERROR_TEXT.pattern}/.test(output.textContent))
            .map(output => output.textContent)""",
        sorted(expected_cells),
    )


def log_console_errors(page) -> list[str]:
    """Errors the kernel reported outside any cell (a traceback from a widget callback lands there).

    Opens View > Show Log Console, reads the entries at level "error" (ipywidgets logs error messages and
    stderr at that level), then closes it again."""
    menu(page, "View", "Show Log Console")
    panel = page.locator(".jp-LogConsolePanel")
    panel.wait_for()
    entries = panel.locator(".jp-OutputArea-child")
    found = []
    for index in range(entries.count()):
        entry = entries.nth(index)
        if entry.locator(".jp-OutputArea-prompt").get_attribute("data-log-level") in ("error", "critical"):
            found.append(entry.locator(".jp-OutputArea-output").inner_text())
    menu(page, "View", "Show Log Console")
    panel.wait_for(state="detached")
    return found


def last_line(text: str) -> str:
    """The line of a traceback that says what went wrong."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text


# The element that scrolls the cells: JupyterLab's notebook panel, Voila's page.
LAB_SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"
VOILA_SCROLLER = "#rendered_cells"


def save_notebook_screenshot(page, path, scroller_selector: str = LAB_SCROLLER, max_height: int = 16_000):
    """The whole notebook in one picture: grow the viewport to the notebook's height, shoot, shrink back."""
    viewport = page.viewport_size
    scroller = page.locator(scroller_selector).first
    chrome_height = viewport["height"] - scroller.evaluate("element => element.clientHeight")
    # Measure to the bottom of the last cell (the notebook adds blank space after it). Cells outside the
    # viewport are not rendered and only have an estimated height, so grow until the measure settles.
    measure = """element => {
        const cells = element.querySelectorAll('.jp-Cell');
        const last = cells[cells.length - 1];
        return last.getBoundingClientRect().bottom - element.getBoundingClientRect().top + element.scrollTop;
    }"""
    height = viewport["height"]
    for _ in range(6):
        wanted = int(min(max_height, scroller.evaluate(measure) + chrome_height + 24))
        if wanted <= height:
            break
        height = wanted
        page.set_viewport_size({"width": viewport["width"], "height": height})
        scroller.evaluate("element => element.scrollTo(0, 0)")
        page.wait_for_function(
            "([element, wanted]) => element.clientHeight >= wanted",
            arg=[scroller.element_handle(), height - chrome_height],
        )
        # Let newly visible cells lay out before measuring again.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.screenshot(path=str(path), animations="disabled")
    page.set_viewport_size(viewport)


def canvas_pixels(canvas) -> np.ndarray:
    """What is shown on a canvas element right now (scrolled into view first), as RGBA floats."""
    canvas.scroll_into_view_if_needed()
    return decode_png(canvas.screenshot(animations="disabled"))


def canvas_bitmap(canvas) -> np.ndarray:
    """The canvas's own bitmap, exactly (a screenshot can differ by resampling when the page scrolls)."""
    data_url = canvas.evaluate("canvas => canvas.toDataURL('image/png')")
    return decode_png(base64.b64decode(data_url.split(",", 1)[1]))


def wait_for_new_pixels(canvas, before: np.ndarray, timeout: float = 30) -> float:
    """Poll the canvas bitmap until it differs from before (a canvas_bitmap); returns the changed share of
    pixels (0.0 on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        changed = changed_fraction(before, canvas_bitmap(canvas))
        if changed > 0:
            return changed
        time.sleep(0.1)
    return 0.0


def slider(page, description: str, scope=None):
    """The ipywidgets slider whose label reads description (inside scope, a locator, when given)."""
    label = page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    return (scope or page).locator(SLIDER).filter(has=label)


def readout_number(text: str) -> float:
    """A number as a widget shows it (d3-format writes a typographic minus)."""
    return float(text.strip().replace("\u2212", "-"))


# noUiSlider keeps the exact value in aria-valuetext; aria-valuenow can lag a move behind.
SLIDER_VALUE_JS = "handle => parseFloat(handle.getAttribute('aria-valuetext') ?? handle.getAttribute('aria-valuenow'))"


def slider_value(slider_locator) -> float:
    """The slider's value. A log slider's handle holds the exponent; its readout then shows 10**exponent."""
    position = float(slider_locator.locator(SLIDER_HANDLE).evaluate(SLIDER_VALUE_JS))
    try:
        shown = readout_number(slider_locator.locator(".widget-readout").text_content())
    except ValueError:
        return position
    if abs(shown - position) > 0.01 * max(abs(shown), 1e-3) and np.isclose(shown, 10**position, rtol=0.01):
        return float(10**position)
    return position


def press_on_slider(slider_locator, key: str, times: int = 1):
    """Focus the slider handle and press a key, as a keyboard user does (Tab-focus, then arrows)."""
    handle = slider_locator.locator(SLIDER_HANDLE)
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(times):
        handle.press(key)


# Voila's page template links Font Awesome on a CDN (unreachable here); voila.js bundles the same icons.
VOILA_ALLOWED = [
    (re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/(all|v4-shims)\.min\.css "),
     "Voila's template links Font Awesome on a CDN; voila.js bundles it too"),
]  # fmt: skip
