"""Lesson 04's backward step-through, in a real JupyterLab and in Voila, driven by keyboard only.

The step slider and the step buttons are what a keyboard user reaches with Tab: arrows on the slider, Enter
on a focused button. Each move must relight the diagram (new canvas pixels) and show the step's text, and
the last step must print the gradient backprop computes.
"""

from __future__ import annotations

import re

import jupyter_driver
import lab_page
import pytest

from helpers import office_hours_example

pytestmark = pytest.mark.browser

COURSE = jupyter_driver.course_root()
LESSON = "lessons/04_hidden_layer_deltas.ipynb"
STEP_THROUGH = ".backprop-step-through"


def panel_text(scope) -> str:
    """The step panel: "step k of N: ..." with the quantity, its number and the product written out."""
    return scope.locator(".widget-html-content", has_text=re.compile(r"step \d+ of \d+:")).first.inner_text()


def wait_for_step(page, scope, number: int):
    panel = scope.locator(".widget-html-content", has_text=re.compile(rf"step {number} of \d+:")).first
    panel.wait_for(timeout=30_000)
    return panel.inner_text()


def drive_by_keyboard(page, scope, screenshot_path):
    """Arrows on the step slider, Enter on a step button, End to the last step; returns the last panel."""
    canvas = scope.locator(lab_page.FIGURE).first.locator(lab_page.FIGURE_CANVAS)
    canvas.wait_for()
    assert not jupyter_driver.looks_blank(lab_page.canvas_pixels(canvas)), "the step-through's diagram is blank"
    assert "step 1 of" in panel_text(scope)
    slider = lab_page.slider(page, "step", scope)

    before = lab_page.canvas_bitmap(canvas)
    lab_page.press_on_slider(slider, "ArrowRight", 3)
    text = wait_for_step(page, scope, 4)
    assert "∂E/∂w5" in text, f"step 4 of the office-hours walk is dE/dw5; the panel shows {text!r}"
    assert lab_page.wait_for_new_pixels(canvas, before) > 0, "the diagram did not relight after three arrow presses"

    before = lab_page.canvas_bitmap(canvas)
    forward = scope.locator("button[title='one step on']")
    forward.focus()
    forward.press("Enter")
    text = wait_for_step(page, scope, 5)
    assert "∂E/∂w6" in text, f"step 5 is dE/dw6; the panel shows {text!r}"
    assert lab_page.wait_for_new_pixels(canvas, before) > 0, "the diagram did not relight after Enter on 'one step on'"

    lab_page.press_on_slider(slider, "End")
    total = int(re.search(r"step \d+ of (\d+)", panel_text(scope)).group(1))
    text = wait_for_step(page, scope, total)
    scope.screenshot(path=str(screenshot_path))
    return text


def expected_last_gradient() -> str:
    net, x, y, _ = office_hours_example()
    return f"{net.gradients(x, y).weights[0][1, 1]:.4g}".replace("-", "\u2212")  # dE/dw4, 4 digits as the panel


def test_step_through_by_keyboard_in_jupyterlab(lab_server, browser, screenshot_dir):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(60_000)
    log = lab_page.BrowserLog().attach(page)
    try:
        lab_page.open_notebook(page, lab_server, LESSON, workspace="step-through")
        lab_page.run_all_cells(page)
        lab_page.wait_until_executed(page)
        scope = page.locator(STEP_THROUGH).first
        scope.scroll_into_view_if_needed()
        last = drive_by_keyboard(page, scope, screenshot_dir / "step-through-lab.png")
        assert "∂E/∂w4" in last and expected_last_gradient() in last, (
            f"the last step should print dE/dw4 = {expected_last_gradient()} as backprop does; it shows {last!r}"
        )
        assert not lab_page.error_outputs(page), lab_page.error_outputs(page)
        assert not log.errors(), "\n".join(log.errors())
    except Exception:
        page.screenshot(path=str(screenshot_dir / "FAILED-step-through-lab.png"))
        raise
    finally:
        context.close()



def test_step_through_by_keyboard_in_voila(browser, tmp_path_factory, screenshot_dir):
    root = jupyter_driver.copy_course(tmp_path_factory.mktemp("course"), COURSE)
    home = jupyter_driver.make_home("browser-tests-voila-walk-")
    with jupyter_driver.serving(jupyter_driver.start_voila(root / LESSON, home)) as server:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
        page = context.new_page()
        page.set_default_timeout(90_000)
        log = lab_page.BrowserLog(allowed=lab_page.VOILA_ALLOWED).attach(page)
        try:
            page.goto(server.url(""))
            scope = page.locator(STEP_THROUGH).first
            scope.wait_for(timeout=180_000)  # Voila shows the widgets once every cell has run
            scope.scroll_into_view_if_needed()
            last = drive_by_keyboard(page, scope, screenshot_dir / "step-through-voila.png")
            assert expected_last_gradient() in last, last
            assert page.locator(".jp-InputArea-editor, .cm-editor, .CodeMirror").count() == 0, "Voila shows code"
            assert not log.errors(), "\n".join(log.errors())
        except Exception:
            page.screenshot(path=str(screenshot_dir / "FAILED-step-through-voila.png"), full_page=True)
            raise
        finally:
            context.close()
