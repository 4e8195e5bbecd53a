"""The `extract_file_names` WARN check: every file in a source's landing folder is an extract it can stage.

A file named other than <YYYY-MM-DD>.<extension>, with a date that does not exist or one after today, is
never staged (scan_landing): this check names each such file and why, so it is seen in the UI instead of
ignored. The source asset reports it at every staging; the landing sensor and `resident-index run` report it
(as a run-less evaluation) whenever what is refused changes.
"""

from __future__ import annotations

import dagster as dg

from resident_index.sources.landing import RefusedFile
from resident_index.sources.spec import SourceSpec

CHECK_NAME = "extract_file_names"
DESCRIPTION = ("[WARN] Every file in the source's landing folder is an extract named <YYYY-MM-DD>.<extension>, "
               "a real date no later than today (Europe/London); any other is not staged, and is named here.")


def _figures(refused: list[RefusedFile]) -> tuple[str | None, dict]:
    description = ("; ".join(str(r) for r in refused[:10]) + (f"; and {len(refused) - 10} more" if len(refused) > 10 else "")
                   if refused else None)
    return description, {"files_refused": dg.MetadataValue.int(len(refused)),
                         "refused": dg.MetadataValue.json({r.path.name: r.reason for r in refused[:100]})}


def file_names_result(refused: list[RefusedFile]) -> dg.AssetCheckResult:
    """The check's result, yielded by the source asset when it stages an extract (its partition)."""
    description, metadata = _figures(refused)
    return dg.AssetCheckResult(check_name=CHECK_NAME, passed=not refused, severity=dg.AssetCheckSeverity.WARN,
                               description=description, metadata=metadata)


def file_names_evaluation(spec: SourceSpec, refused: list[RefusedFile]) -> dg.AssetCheckEvaluation:
    """The same, as an evaluation reported outside a run (by the sensor when what is refused changes, and by
    `resident-index run` for a source with no extract to stage). It judges the folder as it stands, not an
    extract, so it carries no partition (Dagster also keeps one run-less result per partition only)."""
    description, metadata = _figures(refused)
    return dg.AssetCheckEvaluation(asset_key=dg.AssetKey(spec.name), check_name=CHECK_NAME, passed=not refused,
                                   severity=dg.AssetCheckSeverity.WARN, description=description,
                                   metadata=metadata)
