"""Charts a browser can open: short inline markdown the Dagster UI shows expanded, served by the chart server."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from resident_index.charts import chart_file, chart_metadata, chart_server, static_spec


@pytest.fixture
def data(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("RESIDENT_INDEX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RESIDENT_INDEX_CHARTS_URL", "http://127.0.0.1:3999/")
    for folder, name in [("exports/charts", "service_overlap"), ("models", "match_weights_chart")]:
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / f"{name}.png").write_bytes(b"\x89PNG picture")
        (tmp_path / folder / f"{name}.html").write_text("<html>chart</html>")
    (tmp_path / "models" / "resident_model.json").write_text("{}")
    (tmp_path / "warehouse.duckdb").write_bytes(b"personal data")
    return tmp_path


def test_a_chart_is_short_markdown_with_its_picture_and_links_the_browser_can_open(data):
    meta = chart_metadata("service_overlap", {"png": data / "exports/charts/service_overlap.png",
                                              "html": data / "exports/charts/service_overlap.html"})
    markdown = meta["service_overlap"].value
    assert len(markdown) < 1000  # longer markdown is collapsed behind "[Show Markdown]" in the UI
    assert markdown.startswith("![service_overlap](http://127.0.0.1:3999/exports/charts/service_overlap.png)")
    assert meta["service_overlap_html"].value == "http://127.0.0.1:3999/exports/charts/service_overlap.html"
    assert chart_metadata("empty", {})["empty"].value == "_no data to chart_"


def test_the_still_picture_says_nothing_of_zooming_and_the_interactive_page_keeps_it():
    spec = {"title": {"text": "Model parameters", "subtitle": "Use mousewheel to zoom"}, "mark": "bar"}
    assert static_spec(spec)["title"] == {"text": "Model parameters"}
    assert spec["title"]["subtitle"] == "Use mousewheel to zoom"
    assert static_spec({"title": "Residents per service"}) == {"title": "Residents per service"}


def test_the_chart_server_serves_charts_and_nothing_else(data):
    assert chart_file("/exports/charts/service_overlap.png", data) == data / "exports/charts/service_overlap.png"
    for path in ["/warehouse.duckdb", "/models/resident_model.json", "/exports/charts/../../warehouse.duckdb",
                 "/models/%2e%2e/warehouse.duckdb", "/exports/charts/missing.png"]:
        assert chart_file(path, data) is None, path
    server = chart_server("127.0.0.1", 0, data)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        png = requests.get(f"{base}/exports/charts/service_overlap.png", timeout=10)
        assert png.status_code == 200 and png.headers["Content-Type"] == "image/png" and png.content == b"\x89PNG picture"
        page = requests.get(f"{base}/models/match_weights_chart.html", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert requests.get(f"{base}/warehouse.duckdb", timeout=10).status_code == 404
        assert "match_weights_chart.html" in requests.get(base, timeout=10).text
    finally:
        server.shutdown()
        server.server_close()
