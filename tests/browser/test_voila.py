"""Presentation mode: the first lesson with an explorer, served by Voila (as `make present` does), in Chromium."""

from __future__ import annotations

import re

import jupyter_driver
import lab_page
import pytest

pytestmark = pytest.mark.browser

COURSE = jupyter_driver.course_root()
LESSONS = [path for path in jupyter_driver.discover_notebooks(COURSE) if path.parts[0] == "lessons"]
PRESENTED = next((path for path in LESSONS if jupyter_driver.has_explorer(COURSE / path)), None)


# Voila 0.5's page template links Font Awesome from a CDN, which is unreachable offline (and here). Harmless:
# voila.js bundles the same Font Awesome 5 stylesheet and fonts, so icons still show (the "take a step"
# arrow is in test-artifacts/screenshots/voila-*.png).
ALLOWED_CONSOLE_ERRORS = [
    (re.compile(r"^https://cdn\.jsdelivr\.net/npm/@fortawesome/fontawesome-free@[^/]+/css/(all|v4-shims)\.min\.css "),
     "Voila's template links Font Awesome on a CDN; voila.js bundles it too"),
]  # fmt: skip


@pytest.fixture(scope="module")
def voila_server(tmp_path_factory):
    if PRESENTED is None:
        pytest.skip("no lesson builds an Explorer yet")
    root = jupyter_driver.copy_course(tmp_path_factory.mktemp("course"), COURSE)
    home = jupyter_driver.make_home("browser-tests-voila-")
    with jupyter_driver.serving(jupyter_driver.start_voila(root / PRESENTED, home)) as server:
        yield server


@pytest.fixture
def voila_page(browser, voila_server, request, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(90_000)
    log = lab_page.BrowserLog(allowed=ALLOWED_CONSOLE_ERRORS).attach(page)
    page.goto(voila_server.url(""))
    yield page, log
    if lab_page.call_failed(request):
        page.screenshot(path=str(screenshot_dir / "FAILED-voila.png"), full_page=True)
    context.close()


def test_lesson_in_voila_shows_no_code_and_a_live_explorer(voila_page, screenshot_dir):
    page, log = voila_page
    # Voila runs the whole notebook before it shows the widgets; the explorer's w5 slider appears last.
    weight = lab_page.slider(page, "w5")
    weight.wait_for(timeout=180_000)
    canvas = page.locator(lab_page.FIGURE).first.locator(lab_page.FIGURE_CANVAS)
    canvas.wait_for()

    assert page.locator(".jp-InputArea-editor, .cm-editor, .CodeMirror").count() == 0, "Voila shows code cells"
    assert "import Explorer" not in page.locator("body").inner_text(), "Voila shows the source of a code cell"
    errors = lab_page.error_outputs(page) + page.get_by_text("There was an error when executing cell").all_inner_texts()
    assert not errors, "the lesson shows errors in Voila:\n" + "\n---\n".join(map(lab_page.last_line, errors))

    assert not jupyter_driver.looks_blank(lab_page.canvas_pixels(canvas)), "the explorer's diagram is blank in Voila"
    before = lab_page.canvas_bitmap(canvas)
    value_before = lab_page.slider_value(weight)
    lab_page.press_on_slider(weight, "ArrowRight", 5)
    page.wait_for_function(
        f"([handle, before]) => ({lab_page.SLIDER_VALUE_JS})(handle) > before",
        arg=[weight.locator(lab_page.SLIDER_HANDLE).element_handle(), value_before],
    )
    assert lab_page.slider_value(weight) > value_before
    changed = lab_page.wait_for_new_pixels(canvas, before)
    assert changed > 0, "the network diagram did not change after moving w5 by keyboard in Voila"
    lab_page.save_notebook_screenshot(page, screenshot_dir / f"voila-{PRESENTED.stem}.png", lab_page.VOILA_SCROLLER)
    assert not log.errors(), "browser console errors in Voila:\n" + "\n".join(log.errors())
