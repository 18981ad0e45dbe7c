"""The HTML report in headless Chromium: every plot there, no console error, no network request.

Uses real documents: a bench with cpu and gpu runs (SwiftShader here, a hardware GPU elsewhere)
and a convert matrix of a small Keras model. Opened from file:// in the system Chromium through
Python Playwright (never a downloaded browser); the screenshot lands in test-artifacts/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from edgekit.report.figures import PLOT_NAMES
from edgekit.report.render import render_report
from tests.report.documents import tiny_bench, with_profile
from tests.scaffold.webproject import ARTIFACTS

pytestmark = pytest.mark.slow

_FLAGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
          "--disable-dev-shm-usage", "--disable-gpu"]


@pytest.fixture(scope="module")
def convert_document(tmp_path_factory) -> Path:
    from edgekit.convert.matrix import convert
    from tests import tf_models

    root = tmp_path_factory.mktemp("convert")
    tf_models.keras_cnn(0).save(root / "cnn.keras")
    result = convert(root / "cnn.keras", out=root / "out", variants=["fp32", "fp16", "int8-full"], runs=5)
    return result.save(root / "matrix.json")


def _open_in_chromium(page_path: Path, screenshot: Path) -> tuple[list[str], list[str], dict[str, bool]]:
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (set CHROMIUM_PATH)")
    errors: list[str] = []
    requests: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, headless=True, args=_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_path.as_uri())
        present = {name: page.locator(f'svg[data-plot="{name}"]').count() > 0 for name in PLOT_NAMES}
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return errors, [url for url in requests if url != page_path.as_uri()], present


def test_report_opens_offline_with_every_plot(tmp_path, convert_document, gpu_available):
    bench_document = with_profile(tiny_bench(tmp_path, "bench", delegates=("cpu", "cpu-ref", "gpu")), [
        {"index": 0, "type": "ADD", "ms": 0.004}, {"index": 1, "type": "ADD", "ms": 0.003}])
    report = render_report([bench_document, convert_document], html=tmp_path / "report.html",
                           md=tmp_path / "report.md")
    size = report.html_path.stat().st_size
    assert size < 2_000_000, size
    errors, requests, present = _open_in_chromium(report.html_path, ARTIFACTS / "report" / "report.png")
    assert errors == [] and requests == []
    assert present == dict.fromkeys(PLOT_NAMES, True)
    assert "SwiftShader" in report.html or "software Vulkan" in report.html or gpu_available.available
    assert "| gpu " in report.markdown and "fp32" in report.markdown
