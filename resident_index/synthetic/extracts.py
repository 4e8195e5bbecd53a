"""Write a system's extract files exactly as its landing spec says (delimiter, encoding, JSON lines)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from resident_index.synthetic.errors import fold_cp1252


def _clean(df: pl.DataFrame) -> pl.DataFrame:
    """Everything as text; empty strings become blanks (nulls), never quoted empty strings."""
    return df.with_columns(pl.col(c).cast(pl.Utf8).replace("", None) for c in df.columns)


def write_extract(df: pl.DataFrame, path: Path, landing: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df = _clean(df)
    if landing["format"] == "jsonl":
        path.write_bytes(df.write_ndjson().encode("utf-8") if df.height else b"")
        return
    text = df.write_csv(separator=landing["delimiter"], line_terminator="\r\n" if landing["encoding"] == "cp1252"
                        else "\n")
    encoding = landing["encoding"]
    if encoding == "cp1252":
        data = fold_cp1252(text).encode("cp1252")
    else:
        data = text.encode(encoding)  # utf-8-sig writes the BOM some Windows exports carry
    path.write_bytes(data)
