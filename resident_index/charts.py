"""Charts saved beside the data they show: a PNG (for asset metadata and reports) and a self-contained
HTML page (Vega bundled inline, so opening it fetches nothing from the internet)."""

from __future__ import annotations

import base64
from pathlib import Path

import dagster as dg

from resident_index.files import replaced_atomically


def save_chart(chart, stem: Path) -> dict[str, Path]:
    """Write `chart` (an Altair chart) as stem.png and stem.html; returns both paths. A chart whose data
    has no rows (a council without the systems it draws) is not drawn: returns {}."""
    if _no_rows(chart):
        return {}
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = {"png": stem.with_suffix(".png"), "html": stem.with_suffix(".html")}
    with replaced_atomically(paths["png"]) as png, replaced_atomically(paths["html"]) as html:
        chart.save(str(png), format="png", scale_factor=1.5)
        chart.save(str(html), format="html", inline=True)
    return paths


def chart_metadata(name: str, paths: dict[str, Path]) -> dict[str, dg.MetadataValue]:
    """Asset metadata for a saved chart: the picture inline, and links to both files."""
    if not paths:
        return {name: dg.MetadataValue.md("_no data to chart_")}
    png = base64.b64encode(paths["png"].read_bytes()).decode()
    return {name: dg.MetadataValue.md(f"![{name}](data:image/png;base64,{png})"),
            f"{name}_html": dg.MetadataValue.path(str(paths["html"])),
            f"{name}_png": dg.MetadataValue.path(str(paths["png"]))}


def _no_rows(chart) -> bool:
    """True when every data frame the chart (or its layers) draws from is empty."""
    frames = [c.data for c in [chart, *(getattr(chart, "layer", None) or [])] if hasattr(getattr(c, "data", None), "__len__")]
    return bool(frames) and all(len(f) == 0 for f in frames)
