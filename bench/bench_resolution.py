"""Benchmark: the whole pipeline on synthetic councils, stage by stage, beside a plain Splink baseline.

For each size: generate the council, stage both extract dates, then materialise each asset of the index
in turn (through Dagster, in process) timing wall, CPU and peak memory; then land a day of ~1% new or
changed records and time that day as the schedules run it (one ingest_sources run for the new partition,
one build_index run), with each step's wall time from Dagster's own records. Accuracy comes from the resolution_evaluation asset; the
baseline is Splink configured as in its own deduplication tutorial, on the same resolution_input.
Writes section `resolution-<N>` of docs/benchmarks.md (`resolution-<N>-hard` for the hard variant, built with
the council folder the variant writes beside its data: synthetic/variants.py council_folder).

    .venv/bin/python bench/bench_resolution.py --residents 30000
    .venv/bin/python bench/bench_resolution.py --residents 30000 --variant hard
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb

from resident_index.synthetic.next_day import land_changed_day
from resident_index.benchmarks import Stage, machine, measure, stages_table, write_section
from resident_index.resolution.evaluate import rules_markdown

PROJECT = Path(__file__).resolve().parents[1]
INDEX_ASSETS = ["llpg", "staged_records", "address_matches", "person_records", "resolution_input",
                "resolution_model", "resolution_pairs", "resident_crosswalk", "review_queue",
                "golden_residents", "resident_addresses", "households", "relationships", "resident_events"]
RESOLUTION = ("resolution_pairs", "resident_crosswalk")


def _instance_home(root: Path) -> Path:
    home = root / "dagster_home"
    home.mkdir(parents=True)
    config = (PROJECT / "dagster.yaml").read_text().replace("base_dir: data/dagster", f"base_dir: {root / 'dagster'}")
    (home / "dagster.yaml").write_text(config)
    return home


def _quiet() -> dict:
    return {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _run(job, **kwargs) -> str:
    result = job.execute_in_process(raise_on_error=False, run_config=kwargs.pop("run_config", _quiet()), **kwargs)
    failures = [e.event_specific_data.error.message for e in result.all_events if e.is_step_failure]
    if failures:
        raise RuntimeError("\n".join(failures))
    return result.run_id


def step_walls(instance, run_id: str) -> list[tuple[str, float]]:
    """Wall seconds of each step of a run, as Dagster recorded them, in the order they started."""
    stats = sorted(instance.get_run_step_stats(run_id), key=lambda s: s.start_time or 0)
    return [(s.step_key, s.end_time - s.start_time) for s in stats if s.start_time and s.end_time]


def baseline(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[dict, Stage]:
    """Splink as its deduplication tutorial sets it up, on the same records; clustered at 0.95."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from resident_index.resolution.evaluate import evaluate
    from resident_index.resolution.linker import scratch_connection

    with measure("baseline: plain Splink (train, predict, cluster)") as stage:
        mem = scratch_connection(con, {"records": """SELECT unique_id, forename AS first_name, surname, dob_text AS dob,
                                                      postcode, email, split_part(postcode, ' ', 1) AS city
                                               FROM resolution_input"""})
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=[cl.NameComparison("first_name"), cl.NameComparison("surname"),
                         cl.DateOfBirthComparison("dob", input_is_string=True),
                         cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                         cl.EmailComparison("email")],
            blocking_rules_to_generate_predictions=[block_on("first_name", "surname"), block_on("surname", "dob"),
                                                    block_on("first_name", "dob"), block_on("postcode", "first_name")],
        )
        linker = Linker("records", settings, db_api=DuckDBAPI(connection=mem), set_up_basic_logging=False)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("first_name", "surname", "dob")], recall=0.7)
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
        predictions = linker.inference.predict(threshold_match_probability=0.5)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
        con.register("_clusters", mem.table(clusters.physical_name).arrow())
        con.execute("""CREATE OR REPLACE TEMP TABLE baseline_crosswalk AS
                       SELECT split_part(unique_id, '|', 1) AS source_system,
                              substr(unique_id, length(split_part(unique_id, '|', 1)) + 2) AS source_record_id,
                              cluster_id::VARCHAR AS resident_id FROM _clusters""")
    return evaluate(con, truth, crosswalk="baseline_crosswalk"), stage


def time_lookups(data: Path, con: duckdb.DuckDBPyConnection, runs: int = 5) -> dict[str, float]:
    """Wall seconds of `resident-index find` and `show` as a user runs them (a fresh process each time)."""
    import statistics
    import subprocess
    import sys
    import time

    people = con.execute("""SELECT resident_id, forename || ' ' || surname, dob FROM golden_residents
                            WHERE dob IS NOT NULL USING SAMPLE 5 ROWS (reservoir, 7)""").fetchall()
    env = os.environ | {"RESIDENT_INDEX_DATA_DIR": str(data)}
    timings: dict[str, list[float]] = {"find": [], "show": []}
    for resident, name, dob in people[:runs]:
        for kind, args in (("find", ["find", name, "--dob", str(dob)]), ("show", ["show", resident])):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "resident_index.cli", *args], env=env, check=True,
                           capture_output=True)
            timings[kind].append(time.perf_counter() - started)
    return {f"{k} median": statistics.median(v) for k, v in timings.items()} | {
        f"{k} max": max(v) for k, v in timings.items()}


def run_size(residents: int, seed: int, keep: Path | None, variant: str = "standard") -> str:
    root = Path(tempfile.mkdtemp(prefix=f"bench{residents}_"))
    data = root / "data"
    os.environ.update({"RESIDENT_INDEX_DATA_DIR": str(data), "DAGSTER_HOME": str(_instance_home(root)),
                       "GX_ANALYTICS_ENABLED": "False"})
    from resident_index.synthetic import generate_council

    stages: list[Stage] = []
    with measure("generate council") as s:
        summary = generate_council(residents, seed, data, variant=variant)
    stages.append(s)
    if "council_folder" in summary:  # the variant's council declares how its CRM writes names
        os.environ["RESIDENT_INDEX_COUNCIL_DIR"] = summary["council_folder"]
    import dagster as dg

    from resident_index.definitions import defs
    from resident_index.defs.partitions import add_extract_dates
    from resident_index.sources.landing import extract_dates
    from resident_index.sources.spec import load_registry

    instance = dg.DagsterInstance.get()
    ingest, build = defs.resolve_job_def("ingest_sources"), defs.resolve_job_def("build_index")
    train = defs.resolve_job_def("train_resolution_model")
    days = sorted({d for spec in load_registry() for d in extract_dates(spec, data / "landing")})
    add_extract_dates(instance, days)  # partitions are the dates that landed (defs/partitions.py)
    with measure(f"stage {len(days)} days of extracts (11 systems each)") as s:
        for day in days:
            _run(ingest, instance=instance, partition_key=day)
    stages.append(s)
    for key in INDEX_ASSETS:
        job = train if key == "resolution_model" else build
        with measure(key) as s:
            _run(job, instance=instance, asset_selection=[dg.AssetKey(key)])
        stages.append(s)

    # the rest of build_index (quality feedback: discrepancies, duplicates, worklists...), which the evaluation reads
    rest = sorted((k for k in build.asset_layer.executable_asset_keys if k.to_user_string() not in INDEX_ASSETS),
                  key=lambda k: k.to_user_string())
    with measure(f"rest of build_index ({len(rest)} assets: quality feedback)") as s:
        _run(build, instance=instance, asset_selection=rest)
    stages.append(s)

    marts = defs.resolve_job_def("build_marts")
    with measure(f"marts (build_marts: {len(marts.asset_layer.executable_asset_keys)} assets, with exports)") as s:
        _run(marts, instance=instance)
    stages.append(s)
    with measure("evaluate_against_truth (index, golden record and marts against the synthetic truth)") as s:
        _run(defs.resolve_job_def("evaluate_against_truth"), instance=instance)
    stages.append(s)

    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        records = con.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
        fraud = json.loads(con.execute("SELECT result FROM fraud_evaluation").fetchone()[0])
        electoral = json.loads(con.execute("SELECT result FROM electoral_evaluation").fetchone()[0])
        evaluation = json.loads(con.execute("SELECT result FROM resolution_evaluation").fetchone()[0])
        meta = con.execute("SELECT count(*) FROM resolution_pairs").fetchone()[0]
        golden = json.loads(con.execute("SELECT result FROM golden_evaluation").fetchone()[0])
        base_eval, base_stage = baseline(con, data / "truth")
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        lookups = time_lookups(data, con)

    next_day = date.fromisoformat(days[-1]) + timedelta(days=1)
    changed = land_changed_day(data, next_day, share=0.01, seed=seed)
    # the day as the schedules run it: one ingest run for the new partition, then one build_index run
    incremental: list[Stage] = []
    add_extract_dates(instance, [str(next_day)])  # as the landing sensor does when the day's files land
    with measure("incremental day: ingest_sources (the new extracts)") as s:
        ingest_run = _run(ingest, instance=instance, partition_key=str(next_day))
    incremental.append(s)
    with measure("incremental day: build_index") as s:
        build_run = _run(build, instance=instance)
    incremental.append(s)
    steps = step_walls(instance, ingest_run) + step_walls(instance, build_run)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        events = dict(con.execute("""SELECT event, count(*) FROM resident_id_history
                                     WHERE recorded_at = (SELECT max(recorded_at) FROM resident_id_history)
                                     GROUP BY 1""").fetchall())
    resolution_wall = sum(s.wall_s for s in stages if s.name in RESOLUTION)
    incremental_resolution = sum(wall for key, wall in steps if key in RESOLUTION)
    peak = max(s.peak_rss_mb for s in stages + incremental)
    pw, b3 = evaluation["pairwise"], evaluation["bcubed"]
    bpw, bb3 = base_eval["pairwise"], base_eval["bcubed"]
    hard = "; ".join(f"{h['case']}: {h['wrongly_merged']} of {h['pairs_of_people']} merged" for h in evaluation["hard_cases"])
    base_hard = "; ".join(f"{h['case']}: {h['wrongly_merged']} of {h['pairs_of_people']} merged"
                          for h in base_eval["hard_cases"])
    markdown = "\n".join([
        f"## Pipeline at {residents:,} residents (seed {seed})" + (f", {variant} variant" if variant != "standard" else ""),
        "",
        f"Machine: {machine()}. {records:,} records resolved; {meta:,} scored pairs kept.",
        "",
        stages_table(stages + [base_stage] + incremental),
        "",
        f"- Resolution without training (pairs, clustering, ID assignment): **{resolution_wall:.0f} s** "
        "(target < 300 s at 300,000 residents).",
        f"- Peak memory of any stage: **{peak / 1024:.1f} GB** (target < 8 GB).",
        f"- Incremental day of {changed:,} new or changed records ({changed / records:.1%}): "
        f"**{sum(s.wall_s for s in incremental):.0f} s** end to end (target < 60 s), of which matching the changed "
        f"records and assigning IDs (resolution_pairs, resident_crosswalk) {incremental_resolution:.0f} s; "
        f"ID events: {events or 'none'}.",
        "",
        "Steps of the incremental day (wall seconds as Dagster records them; the rest of each run's time is "
        "Dagster starting the run and its steps):",
        "",
        "| step | wall (s) |",
        "|---|---:|",
        *(f"| {key} | {wall:.1f} |" for key, wall in steps),
        "",
        "| model | pairwise precision | pairwise recall | pairwise F1 | B-cubed F1 | hard cases wrongly merged |",
        "|---|---:|---:|---:|---:|---|",
        f"| Resident Index | {pw['precision']:.4f} | {pw['recall']:.4f} | {pw['f1']:.4f} | {b3['f1']:.4f} | {hard} |",
        f"| plain Splink (tutorial settings) | {bpw['precision']:.4f} | {bpw['recall']:.4f} | {bpw['f1']:.4f} | "
        f"{bb3['f1']:.4f} | {base_hard} |",
        "",
        rules_markdown(evaluation),
        f"Golden record against the truth: name {golden['name_correct']:.1%}, date of birth {golden['dob_correct']:.1%}, "
        f"current UPRN {golden['current_uprn_correct']:.1%} correct ({golden['residents_evaluated']:,} living residents); "
        f"households equal to the true co-residents {golden['households_equal_to_truth']:.1%} of "
        f"{golden['households']:,}; deaths in the NHS feed marked deceased "
        f"{golden['nhs_feed_deaths_marked_deceased']:.1%} (all deaths known to any system: "
        f"{golden['deaths_marked_deceased']:.1%}).",
        "",
        "Counter-fraud lists against the planted cases:",
        "",
        "| list | listed | planted | precision | recall |",
        "|---|---:|---:|---:|---:|",
        *(f"| {name.replace('_', ' ')} | {r['listed']:,} | {r['planted']:,} | {r['precision']:.3f} | {r['recall']:.3f} |"
          for name, r in fraud.items()),
        "",
        f"Single person discount cases where the truth has another adult living at the property: "
        f"{fraud['single_person_discount']['confirmed_by_truth']:.0%}.",
        "",
        f"Electoral register: {electoral['electors']:,} electors, validation rate {electoral['validation_rate']:.1%} "
        f"(confirmed electors truly living there {electoral['confirmed_precision']:.1%}); review list precision "
        f"{electoral['review_precision']:.1%}, recall {electoral['review_recall']:.1%}; canvass list "
        f"{electoral['canvass_rows']:,} people, precision {electoral['canvass_precision']:.1%}, recall of the truly "
        f"unregistered adults {electoral['canvass_recall_adults']:.1%} and attainers {electoral['canvass_recall_attainers']:.1%}.",
        "",
        "Resident 360 from the command line (a fresh process each time, 5 residents): "
        + ", ".join(f"`{k}` {v:.2f} s" for k, v in lookups.items()) + " (target < 1 s).",
    ])
    if keep:
        shutil.copytree(data, keep, dirs_exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    return markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--variant", choices=["standard", "hard"], default="standard",
                        help="the synthetic council's variant (docs/synthetic-council.md)")
    parser.add_argument("--keep", type=Path, help="copy the built data folder here")
    args = parser.parse_args()
    markdown = run_size(args.residents, args.seed, args.keep, args.variant)
    suffix = "" if args.variant == "standard" else f"-{args.variant}"
    write_section(f"resolution-{args.residents}{suffix}", markdown)
    print(markdown)


if __name__ == "__main__":
    main()
