"""A next day's extracts made from the last ones, for measuring and testing incremental runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl


def land_changed_day(data: Path, day: date, share: float, seed: int) -> int:
    """A next-day extract for every system: yesterday's with `share` of rows changed (address or forename
    swapped with another row's) and as many new rows (copies of others under new record ids)."""
    from resident_index.sources.spec import load_registry

    changed = 0
    for spec in load_registry():
        folder = data / "landing" / spec.landing.folder
        last = sorted(folder.glob(f"*.{spec.landing.extension}"))[-1]
        if spec.landing.format == "jsonl":
            frame = pl.read_ndjson(last, infer_schema_length=None).cast(pl.Utf8)
        else:
            frame = pl.read_csv(last, separator=spec.landing.delimiter, encoding="utf8-lossy", infer_schema=False)
        n = max(1, int(frame.height * share / 2))
        id_col = spec.columns["source_record_id"]
        addr = spec.columns.get("address")
        addr_col = addr if isinstance(addr, str) else (addr[0] if addr else None)
        movers = frame.sample(n, seed=seed).get_column(id_col)
        donors = frame.sample(n, seed=seed + 1)
        if addr_col:
            new_addr = dict(zip(movers, donors.get_column(addr_col)))
            frame = frame.with_columns(pl.when(pl.col(id_col).is_in(movers.implode()))
                                       .then(pl.col(id_col).replace_strict(new_addr, default=None))
                                       .otherwise(pl.col(addr_col)).alias(addr_col))
        added = donors.with_columns((pl.lit(f"NEW{day:%Y%m%d}-") + pl.col(id_col)).alias(id_col))
        frame = pl.concat([frame, added])
        out = folder / f"{day}.{spec.landing.extension}"
        if spec.landing.format == "jsonl":
            frame.write_ndjson(out)
        else:
            text = frame.write_csv(separator=spec.landing.delimiter)
            out.write_bytes(text.encode(spec.landing.encoding.replace("utf-8-sig", "utf-8"), errors="replace"))
        changed += 2 * n
    return changed
