"""Charts saved beside the data they show: a PNG (shown inline on the asset's page in the Dagster UI) and a
self-contained HTML page (Vega bundled inline, so opening it fetches nothing from the internet), and the small
loopback web server that lets a browser open both (`make ui` starts it beside the Dagster UI).

The Dagster UI shows a markdown metadata value expanded only when it is short (under 1,000 characters), so an
image embedded in it (base64) is hidden behind "[Show Markdown]"; and a file path is only text a browser cannot
open. So each chart's metadata is a short markdown image whose address is the chart server's
(RESIDENT_INDEX_CHARTS_URL, default http://127.0.0.1:3001), with links to the PNG and the interactive page.
The server answers only for chart files (.png and .html) under the data folder's exports/charts/ and models/
(aggregate figures, no person), on loopback.
"""

from __future__ import annotations

import argparse
import os
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dagster as dg

from resident_index.files import replaced_atomically
from resident_index.settings import data_dir

#: where the chart server listens, unless RESIDENT_INDEX_CHARTS_URL says otherwise
DEFAULT_CHARTS_URL = "http://127.0.0.1:3001"
#: the folders under the data folder whose charts it serves
CHART_FOLDERS = ("exports/charts", "models")
CONTENT_TYPES = {".png": "image/png", ".html": "text/html; charset=utf-8"}


def charts_url() -> str:
    return (os.environ.get("RESIDENT_INDEX_CHARTS_URL") or DEFAULT_CHARTS_URL).rstrip("/")


def save_chart(chart, stem: Path) -> dict[str, Path]:
    """Write `chart` (an Altair chart) as stem.png and stem.html; returns both paths. A chart whose data
    has no rows (a council without the systems it draws) is not drawn: returns {}.

    The PNG is a still picture, so a subtitle telling the reader to zoom with the mousewheel (as Splink's
    charts say) is left off it; the HTML page keeps it, and zooms. Both get a margin, so a legend's title at
    the right edge is never cut off. The PNG is drawn at the chart's own size (scale 1): the UI shows a
    markdown image at its natural width, with no way to shrink it, so a larger one was cut off at the right."""
    if _no_rows(chart):
        return {}
    import altair as alt
    from altair.utils.save import save
    from altair.vegalite.v6.display import VEGA_VERSION, VEGAEMBED_VERSION, VEGALITE_VERSION

    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = {"png": stem.with_suffix(".png"), "html": stem.with_suffix(".html")}
    with alt.data_transformers.enable("default"), alt.data_transformers.disable_max_rows():  # data inline
        spec = chart.to_dict(context={"pre_transform": False})
    spec.setdefault("padding", {"left": 10, "top": 10, "right": 40, "bottom": 10})
    with replaced_atomically(paths["png"]) as png, replaced_atomically(paths["html"]) as html:
        for target, shown, options in ((png, static_spec(spec), {"format": "png", "scale_factor": 1.0}),
                                       (html, spec, {"format": "html", "inline": True})):
            save(_Spec(shown), str(target), vega_version=VEGA_VERSION, vegaembed_version=VEGAEMBED_VERSION,
                 vegalite_version=VEGALITE_VERSION, **options)
    return paths


class _Spec:
    """A finished Vega-Lite spec, in the shape Altair's save() takes a chart."""

    def __init__(self, spec: dict):
        self.spec = spec

    def to_dict(self, **_) -> dict:
        return self.spec


def static_spec(spec: dict) -> dict:
    """The chart's spec as a still picture: any subtitle line about zooming or the mousewheel left out."""
    title = spec.get("title")
    if not isinstance(title, dict) or "subtitle" not in title:
        return spec
    lines = title["subtitle"] if isinstance(title["subtitle"], list) else [title["subtitle"]]
    kept = [line for line in lines if not any(w in str(line).lower() for w in ("mousewheel", "zoom"))]
    title = {k: v for k, v in title.items() if k != "subtitle"} | ({"subtitle": kept} if kept else {})
    return spec | {"title": title}


def chart_url(path: Path) -> str:
    """The chart server's address of a chart file under the data folder (a file elsewhere, which the server
    does not serve, by its file: URI)."""
    try:
        return f"{charts_url()}/{path.resolve().relative_to(data_dir()).as_posix()}"
    except ValueError:
        return path.resolve().as_uri()


def chart_metadata(name: str, paths: dict[str, Path]) -> dict[str, dg.MetadataValue]:
    """Asset metadata for a saved chart: the picture inline (short markdown, which the UI shows expanded), and
    links the browser can open to the interactive page and the PNG."""
    if not paths:
        return {name: dg.MetadataValue.md("_no data to chart_")}
    png, html = chart_url(paths["png"]), chart_url(paths["html"])
    return {name: dg.MetadataValue.md(f"![{name}]({png})\n\n[open the interactive chart]({html}) · [PNG]({png})"),
            f"{name}_html": dg.MetadataValue.url(html),
            f"{name}_png": dg.MetadataValue.url(png)}


def _no_rows(chart) -> bool:
    """True when every data frame the chart (or its layers) draws from is empty."""
    frames = [c.data for c in [chart, *(getattr(chart, "layer", None) or [])] if hasattr(getattr(c, "data", None), "__len__")]
    return bool(frames) and all(len(f) == 0 for f in frames)


def chart_file(request_path: str, root: Path) -> Path | None:
    """The chart file a request asks for, or None: only a .png or .html file inside one of CHART_FOLDERS
    under `root` (the data folder); anything else, '..' included, is not found."""
    relative = unquote(urlsplit(request_path).path).lstrip("/")
    path = (root / relative).resolve()
    if path.suffix not in CONTENT_TYPES or not path.is_file():
        return None
    folders = [(root / folder).resolve() for folder in CHART_FOLDERS]
    return path if any(path.parent == folder for folder in folders) else None


class ChartHandler(SimpleHTTPRequestHandler):
    """GET a chart file (see chart_file); / lists the charts there are."""

    root: Path = Path(".")

    def do_GET(self):  # noqa: N802 (http.server's name)
        if urlsplit(self.path).path in ("", "/"):
            return self._send(HTTPStatus.OK, CONTENT_TYPES[".html"], self._index().encode())
        path = chart_file(self.path, self.root)
        if path is None:
            return self._send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8",
                              b"not a chart: only .png and .html files under exports/charts/ and models/\n")
        return self._send(HTTPStatus.OK, CONTENT_TYPES[path.suffix], path.read_bytes())

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def _index(self) -> str:
        links = [f'<li><a href="/{p.relative_to(self.root).as_posix()}">{p.relative_to(self.root).as_posix()}</a></li>'
                 for folder in CHART_FOLDERS for p in sorted((self.root / folder).glob("*"))
                 if p.suffix in CONTENT_TYPES]
        return "<!doctype html><title>Resident Index charts</title><h1>Charts</h1><ul>" + "".join(links) + "</ul>"

    def _send(self, status: HTTPStatus, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        pass


def chart_server(host: str, port: int, root: Path | None = None) -> ThreadingHTTPServer:
    handler = type("Handler", (ChartHandler,), {"root": (root or data_dir()).resolve()})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    """`python -m resident_index.charts`: serve the charts on loopback, at RESIDENT_INDEX_CHARTS_URL's port."""
    default = urlsplit(charts_url())
    parser = argparse.ArgumentParser(description="Serve the Resident Index charts to a browser (loopback only).")
    parser.add_argument("--host", default=default.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=default.port or 3001)
    args = parser.parse_args(argv)
    server = chart_server(args.host, args.port)
    print(f"charts: http://{args.host}:{args.port}/ (from {data_dir()})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
