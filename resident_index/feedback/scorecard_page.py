"""One HTML page per system an owner can open: the scorecard now, its trend over extracts, what was found.

Self-contained (no script, no stylesheet fetched), so it opens from a shared folder or an email.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from resident_index.sources.spec import SourceSpec

#: scorecard figures: column -> (label, what it means, higher is better)
FIGURES = {
    "completeness": ("Completeness", "share of live records holding each identifying field the system has", True),
    "validity": ("Validity", "share of the values given that pass their check (NHS, NI, postcode, date of birth)", True),
    "duplicate_rate": ("Duplicate rate", "share of live records that are a second record of one resident", False),
    "discrepancy_rate": ("Discrepancy rate", "share of live records disagreeing with the golden record", False),
    "missing_rate": ("Missing information", "share of live records lacking a value another system knows", False),
    "fix_rate": ("Fix rate", "share of suggestions raised (not rejected) that are no longer raised", True),
}
COUNTS = {"live_records": "live records", "open_suggestions": "suggestions open", "fixes_confirmed": "fixes confirmed",
          "fixes_not_seen": "reported fixed, not yet seen", "resolved": "resolved without a response",
          "rejected": "rejected", "not_ours": "not ours"}


def _pct(v) -> str:
    return "" if v is None or pd.isna(v) else f"{100 * float(v):.1f}%"


def _spark(values: list, width: int = 160, height: int = 32) -> str:
    points = [float(v) for v in values if v is not None and not pd.isna(v)]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    step = width / (len(points) - 1)
    path = " ".join(f"{i * step:.1f},{height - 2 - (p - low) / span * (height - 4):.1f}" for i, p in enumerate(points))
    return (f'<svg width="{width}" height="{height}" role="img" aria-label="trend">'
            f'<polyline fill="none" stroke="#1d70b8" stroke-width="2" points="{path}"/></svg>')


def render(spec: SourceSpec, history: pd.DataFrame, by_field: list[tuple]) -> str:
    latest = history.iloc[-1]
    rows = "".join(
        f"<tr><th>{escape(label)}</th><td class=n>{_pct(latest[col])}</td><td>{_spark(history[col].tolist())}</td>"
        f"<td>{escape(meaning)}{'' if better else ' (lower is better)'}</td></tr>"
        for col, (label, meaning, better) in FIGURES.items())
    counts = "".join(f"<tr><th>{escape(label)}</th><td class=n>{int(latest[col])}</td></tr>" for col, label in COUNTS.items())
    trend_head = "".join(f"<th>{escape(FIGURES[c][0])}</th>" for c in FIGURES)
    trend = "".join("<tr><td>" + escape(str(r["extract_date"])[:10]) + "</td><td class=n>" + str(int(r["live_records"]))
                    + "</td>" + "".join(f"<td class=n>{_pct(r[c])}</td>" for c in FIGURES) + "</tr>"
                    for _, r in history.iterrows())
    found = "".join(f"<tr><td>{escape(f)}</td><td class=n>{listed}</td><td class=n>{n}</td></tr>" for f, listed, n in by_field)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality scorecard: {escape(spec.title)}</title>
<style>body{{font-family:Arial,sans-serif;margin:2em;color:#0b0c0c}}table{{border-collapse:collapse;margin:1em 0}}
th,td{{border-bottom:1px solid #b1b4b6;padding:.3em .8em;text-align:left}}td.n{{text-align:right}}</style></head>
<body><h1>Data quality scorecard: {escape(spec.title)}</h1>
<p>System <b>{escape(spec.name)}</b> ({escape(spec.system)}); owner {escape(spec.data_owner)}.
Latest extract {escape(str(latest["extract_date"])[:10])}. Worklist: <code>worklist.csv</code> / <code>worklist.xlsx</code>
beside this page; how to answer it: docs/quality-feedback.md.</p>
<h2>Now</h2><table><tr><th>figure</th><th>value</th><th>trend</th><th>what it means</th></tr>{rows}</table>
<table>{counts}</table>
<h2>Trend over extracts</h2><table><tr><th>extract</th><th>live records</th>{trend_head}</tr>{trend}</table>
<h2>What the index found (this extract)</h2>
<table><tr><th>field</th><th>listed</th><th>found (incl. below the confidence to list)</th></tr>{found}</table>
</body></html>
"""
