"""The Dagster UI as an engineer sees it, in headless Chromium: the lineage, a source's checks with the extract
each judged, and a chart drawn inline.

The webserver serves the built council's instance; the chart server serves its charts. Chromium is Debian's
`chromium` (installed by `make browser`, which `make test` runs), driven by Playwright through
executable_path: nothing is downloaded. Where either is missing the test is skipped, saying which.
Screenshots go to the test's tmp dir and are copied to docs/images/ (the README and docs/architecture.md
show them).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from resident_index.charts import DEFAULT_CHARTS_URL, chart_server
from resident_index_tests.conftest import PROJECT

DOCS_IMAGES = PROJECT / "docs" / "images"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: `make browser` installs Debian's package (needs root and apt-get)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: `make setup` installs it (a dev dependency)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])  # root has no sandbox
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def ui(built_council):
    """The webserver on the built council's instance, and its chart server; returns the UI's address and the
    chart server's."""
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)], cwd=PROJECT, env=built_council["env"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    charts = chart_server("127.0.0.1", 0, built_council["data"])
    threading.Thread(target=charts.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the webserver did not serve the asset graph within 2 minutes"
            try:
                reply = requests.post(f"{base}/graphql", json={"query": "{ assetNodes { id } }"}, timeout=10)
                if (reply.json().get("data") or {}).get("assetNodes"):
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        yield base, f"http://127.0.0.1:{charts.server_address[1]}"
    finally:
        charts.shutdown()
        charts.server_close()
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def page(browser, ui, tmp_path):
    """A page on the UI whose requests for the chart server's default address go to this test's."""
    base, charts = ui
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.route(f"{DEFAULT_CHARTS_URL}/**",
               lambda route: route.continue_(url=route.request.url.replace(DEFAULT_CHARTS_URL, charts)))
    page.set_default_timeout(30_000)
    yield page, base, tmp_path
    context.close()


def _open(page, url: str) -> None:
    page.goto(url)
    skip = page.get_by_role("button", name="Skip")  # Dagster's "join the community" dialog on a new browser
    try:
        skip.wait_for(timeout=5_000)
        skip.click()
    except Exception:  # noqa: BLE001 (Playwright's TimeoutError: no dialog this time)
        pass


def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS_IMAGES / path.name)


def test_the_lineage_shows_every_stage(page):
    page, base, tmp_path = page
    _open(page, f"{base}/asset-groups")  # the global lineage: one node per stage (asset group), in data order
    for group in ("sources", "standardise", "resolution", "golden", "marts"):
        page.get_by_text(group, exact=True).first.wait_for()
    _shot(page, tmp_path, "ui-lineage")
    _open(page, f"{base}/locations/resident_index/asset-groups/sources")  # one group: every source into staging
    page.get_by_text("council_tax", exact=True).first.wait_for()
    page.get_by_text("staged_records", exact=True).first.wait_for()


def test_a_source_check_shows_the_extract_it_judged_and_plots_its_figure(page, built_council):
    page, base, tmp_path = page
    import duckdb

    with duckdb.connect(str(built_council["warehouse"]), read_only=True) as con:
        [(latest,)] = con.execute("SELECT max(extract_date)::VARCHAR FROM landing_log "
                                  "WHERE source_system = 'council_tax'").fetchall()
    _open(page, f"{base}/assets/council_tax?view=checks&checkDetail=valid_postcode_rate")
    page.get_by_text("Partition", exact=True).first.wait_for()
    page.get_by_text(latest, exact=True).first.wait_for()  # the latest execution judged the newest extract
    page.get_by_text("observed_rate", exact=True).first.wait_for()
    assert page.get_by_text("Plots", exact=True).count()  # numeric figures are plotted extract by extract
    _shot(page, tmp_path, "ui-source-checks")
    _open(page, f"{base}/assets/council_tax?partition={latest}")  # the link each staging records
    page.get_by_role("button", name="Materialize…").first.click()
    page.get_by_text("Launch 1 run").wait_for()  # the dialog opens on the newest extract


def test_a_chart_is_drawn_on_its_asset_page(page):
    page, base, tmp_path = page
    _open(page, f"{base}/assets/service_overlap")
    image = page.locator('img[src*="service_overlap.png"]').first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("img => img.naturalWidth") > 400  # the picture itself, not a broken-image icon
    edge = page.get_by_text("Plots", exact=True).first.bounding_box()  # the metadata table's right-hand toggle
    right = image.bounding_box()["x"] + image.bounding_box()["width"]
    assert right <= edge["x"] + edge["width"] + 30  # the whole picture within the column, not cut off
    assert page.get_by_text("open the interactive chart").count()
    _shot(page, tmp_path, "ui-chart")
