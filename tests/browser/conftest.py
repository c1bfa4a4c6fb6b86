"""Fixtures of the browser tests: headless Chromium (playwright) and a private JupyterLab.

Run them alone with ``.venv/bin/python -m pytest tests/browser -m browser``.
"""

from __future__ import annotations

import os

import jupyter_driver
import pytest

ARTIFACTS = jupyter_driver.REPO / "test-artifacts"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Remember each phase's outcome on the test item, so fixtures can save a screenshot of a failure
    # (lab_page.test_failed reads it).
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium_path():
    found = jupyter_driver.find_chromium()
    if found is None:
        message = (
            f"no Chromium at {os.environ.get('CHROMIUM') or '/usr/bin/chromium'}: "
            "run `make browser-deps` (or set CHROMIUM=/path/to/chromium)"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


# Module scope: playwright's sync API keeps an asyncio loop running in this thread while it is open, and
# later tests (and code under test) that start their own loop with asyncio.run must not find one.
@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=jupyter_driver.CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """JupyterLab serving a copy of lessons/ and notebooks/ (running cells never touches the committed files).

    Module scope: the browser tests live in one module, and the server with its kernels is gone before the
    rest of the test run (nbval) starts kernels of its own.
    """
    root = jupyter_driver.copy_course(tmp_path_factory.mktemp("course"), jupyter_driver.course_root())
    home = jupyter_driver.make_home("browser-tests-lab-")
    with jupyter_driver.serving(jupyter_driver.start_lab(root, home)) as server:
        server.course_root = root  # tests may add a notebook of their own to the served copy
        yield server
