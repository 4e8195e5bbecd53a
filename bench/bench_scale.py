"""Benchmark: a council beyond 300,000 residents (issue 17), stage by stage, and where it breaks.

Generates the council, stages its extracts and materialises each asset of the index in turn as
bench_resolution.py does (wall, CPU and peak memory per stage; CPU includes child processes, such as
Spark's JVM), then the marts, the evaluation against the truth and plain Splink on the same records.
With `--engines duckdb,spark` the full rescore (resolution_pairs) is run again on each further Splink
engine (docs/scaling.md) on the same warehouse and model, and its pairs compared with DuckDB's.

A build that does not fit is a finding, not a crash: every finished stage is kept in progress.json in the
work folder, and when a stage fails, or the machine's available memory falls below --min-available-gb
(the machine is shared: the bench stops itself before the kernel's OOM killer picks a process), the section
is written with the stages that ran and where and why it stopped.
Writes section `scale-<N>` of docs/benchmarks.md.

    flock /work/scratch/big.lock nice -n 5 .venv/bin/python bench/bench_scale.py --residents 1000000 --work <folder>
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_resolution import INDEX_ASSETS, _instance_home, _run, baseline  # noqa: E402

from resident_index.benchmarks import Stage, machine, measure, stages_table, write_section  # noqa: E402
from resident_index.settings import memory_limit  # noqa: E402

#: issue 17's one-machine targets, raw to marts on this 2-core machine
TARGETS = {300_000: "target at 300,000 residents: under 5 minutes and 4 GB",
           1_000_000: "target at 1,000,000 residents: under 20 minutes and 12 GB"}


class OutOfMemory(RuntimeError):
    pass


@contextmanager
def stage(name: str, stages: list[Stage], progress: Path):
    """measure() with the CPU of child processes (Spark's JVM) added; the stage is appended and saved."""
    me = psutil.Process()

    def children_cpu() -> dict[int, float]:
        out = {}
        for child in me.children(recursive=True):
            try:
                t = child.cpu_times()
                out[child.pid] = t.user + t.system
            except psutil.Error:
                pass
        return out

    before = children_cpu()
    with measure(name) as s:
        yield s
    after = children_cpu()
    s.cpu_s += sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    stages.append(s)
    progress.write_text(json.dumps([asdict(x) for x in stages], indent=1))


def memory_guard(min_available_gb: float, stop_at: float | None, stopped: dict) -> threading.Thread:
    """Stop the process (exit 3) when the machine's available memory falls below the floor, or at the
    time `stop_at` (epoch seconds), noting why."""
    def watch() -> None:
        while True:
            available = psutil.virtual_memory().available / 2**30
            if available < min_available_gb or (stop_at and time.time() >= stop_at):
                stopped["reason"] = (f"the machine's available memory was {available:.1f} GB (floor "
                                     f"{min_available_gb} GB)" if available < min_available_gb else
                                     "the time allowed ran out (--stop-at)")
                stopped["at"] = time.strftime("%H:%M:%S")
                stopped["event"].set()
                return
            time.sleep(0.5)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def rescore_on(engine: str, warehouse: Path, model_path: Path, stages: list[Stage], progress: Path) -> dict:
    """resolution_pairs' full rescore again with the given Splink engine; its pairs against DuckDB's."""
    from resident_index.resolution.engine import ENGINE_VARIABLE, stop_spark
    from resident_index.resolution.pairs import score_pairs
    from resident_index.resolution.splink_model import model_config

    cfg = model_config()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE OR REPLACE TABLE _pairs_duckdb AS SELECT * FROM resolution_pairs")
        os.environ[ENGINE_VARIABLE] = engine
        try:
            with stage(f"resolution_pairs on {engine} (full rescore, {os.environ.get('RESIDENT_INDEX_SPARK_MASTER', 'local[*]')})",
                       stages, progress):
                figures = score_pairs(con, model_path, cfg, full_rebuild=True)
        finally:
            os.environ.pop(ENGINE_VARIABLE, None)
            stop_spark()
        only_duckdb, only_engine, max_diff = con.execute("""
            SELECT count(*) FILTER (e.unique_id_l IS NULL), count(*) FILTER (d.unique_id_l IS NULL),
                   max(abs(d.match_weight - e.match_weight))
            FROM _pairs_duckdb d FULL JOIN resolution_pairs e USING (unique_id_l, unique_id_r)""").fetchone()
        con.execute("CREATE OR REPLACE TABLE resolution_pairs AS SELECT * FROM _pairs_duckdb")
        con.execute("DROP TABLE _pairs_duckdb")
    return {"engine": engine, "pairs": figures["pairs"], "only_duckdb": only_duckdb, "only_engine": only_engine,
            "max_weight_difference": max_diff}


def run(residents: int, seed: int, work: Path, engines: list[str], min_available_gb: float,
        with_baseline: bool, stop_at: float | None = None, resume: bool = False) -> str:
    data = work / "data"
    progress = work / "progress.json"
    if resume:  # a stopped run: its finished stages are kept and not run again
        home = work / "dagster_home"
        stages = [Stage(**s) for s in json.loads(progress.read_text())]
    else:
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        home = _instance_home(work)
        stages = []
    os.environ.update({"RESIDENT_INDEX_DATA_DIR": str(data), "DAGSTER_HOME": str(home),
                       "GX_ANALYTICS_ENABLED": "False"})
    import dagster as dg

    from resident_index.definitions import defs
    from resident_index.defs.partitions import add_extract_dates
    from resident_index.recovery import recover_dead_runs
    from resident_index.settings import models_dir
    from resident_index.resolution.splink_model import MODEL_FILE
    from resident_index.sources.landing import extract_dates
    from resident_index.sources.spec import load_registry
    from resident_index.synthetic import generate_council

    done = {s.name for s in stages}
    stopped: dict = {"event": threading.Event()}
    memory_guard(min_available_gb, stop_at, stopped)
    failure: str | None = None
    started = time.perf_counter()

    def steps():
        yield "generate council", lambda: generate_council(residents, seed, data)
        instance = dg.DagsterInstance.get()
        if resume:  # the stopped run's process exited holding the warehouse pool's slot: the next step waited forever
            for line in recover_dead_runs(instance):
                print(line, flush=True)
        ingest, build = defs.resolve_job_def("ingest_sources"), defs.resolve_job_def("build_index")
        train = defs.resolve_job_def("train_resolution_model")
        days = sorted({d for spec in load_registry() for d in extract_dates(spec, data / "landing")})
        add_extract_dates(instance, days)
        yield (f"stage {len(days)} days of extracts",
               lambda: [_run(ingest, instance=instance, partition_key=day) for day in days])
        for key in INDEX_ASSETS:
            job = train if key == "resolution_model" else build
            yield key, lambda job=job, key=key: _run(job, instance=instance, asset_selection=[dg.AssetKey(key)])
        rest = sorted(k for k in build.asset_layer.executable_asset_keys if k.to_user_string() not in INDEX_ASSETS)
        yield (f"the rest of build_index ({', '.join(k.to_user_string() for k in rest)})",
               lambda: _run(build, instance=instance, asset_selection=rest))
        marts = defs.resolve_job_def("build_marts")
        yield (f"marts (build_marts: {len(marts.asset_layer.executable_asset_keys)} assets, with exports)",
               lambda: _run(marts, instance=instance))
        yield ("evaluate_against_truth", lambda: _run(defs.resolve_job_def("evaluate_against_truth"), instance=instance))

    # the guard's event is checked between stages, and a stage that outgrows the floor is stopped by exiting
    def exit_when_out_of_memory() -> None:
        stopped["event"].wait()
        _write(residents, seed, stages, started, data, None, None, [],
               f"stopped at {stopped['at']} UTC, after {time.perf_counter() - started:.0f} s, because "
               f"{stopped['reason']}, in the stage after '{stages[-1].name if stages else 'start'}'")
        os._exit(3)

    threading.Thread(target=exit_when_out_of_memory, daemon=True).start()
    try:
        for name, step in steps():
            if name not in done:
                with stage(name, stages, progress):
                    step()
    except Exception as exc:  # a stage that does not fit is the finding
        failure = f"failed in the stage after '{stages[-1].name if stages else 'start'}': " \
                  f"{type(exc).__name__}: {str(exc)[:400]}"
    evaluation = base_eval = None
    compared: list[dict] = []
    if failure is None:
        with duckdb.connect(str(data / "warehouse.duckdb")) as con:
            evaluation = json.loads(con.execute("SELECT result FROM resolution_evaluation").fetchone()[0])
            if with_baseline:
                base_eval, base_stage = baseline(con, data / "truth")
                stages.append(base_stage)
        for engine in engines:
            if engine != "duckdb":
                compared.append(rescore_on(engine, data / "warehouse.duckdb", models_dir() / MODEL_FILE,
                                           stages, progress))
    return _write(residents, seed, stages, started, data, evaluation, base_eval, compared, failure)


def _write(residents: int, seed: int, stages: list[Stage], started: float, data: Path, evaluation: dict | None,
           base_eval: dict | None, compared: list[dict], failure: str | None) -> str:
    records = None
    if (data / "warehouse.duckdb").exists() and failure is None:
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
            records = con.execute("SELECT count(*) FROM resolution_input").fetchone()[0]
    build = [s for s in stages if not s.name.startswith(("generate", "baseline", "resolution_pairs on"))]
    lines = [f"## Scale: {residents:,} residents (seed {seed})", "",
             f"Machine: {machine()}, shared with other work while this ran (wall times inflated; CPU seconds "
             "are the steadier figure). `bench/bench_scale.py`: "
             + (f"{records:,} records resolved." if records else "the build did not finish."), "",
             stages_table(stages), ""]
    if build:
        marts = [s for s in build if s.name != "evaluate_against_truth"]  # the truth is the bench's, not a council's
        lines.append(f"- Raw to marts (staging to the marts, without generating the council or evaluating against "
                     f"its truth): **{sum(s.wall_s for s in marts):.0f} s** wall, {sum(s.cpu_s for s in marts):.0f} s "
                     f"CPU; peak memory of any stage **{max(s.peak_rss_mb for s in marts) / 1024:.1f} GB** "
                     f"({TARGETS.get(residents, 'issue 17 sets no target at this size')}). With the evaluation: "
                     f"{sum(s.wall_s for s in build):.0f} s, {max(s.peak_rss_mb for s in build) / 1024:.1f} GB.")
    lines.append(f"- DuckDB's memory limit: {memory_limit()} "
                 + ("(RESIDENT_INDEX_MEMORY_LIMIT)." if os.environ.get("RESIDENT_INDEX_MEMORY_LIMIT")
                    else "(half the machine's memory: RESIDENT_INDEX_MEMORY_LIMIT not set)."))
    lines.append(f"- Bench wall time, everything included: {time.perf_counter() - started:.0f} s.")
    if failure:
        lines += ["", f"**The build stopped**: {failure}."]
    if evaluation:
        pw, b3 = evaluation["pairwise"], evaluation["bcubed"]
        lines += ["", "| model | pairwise precision | pairwise recall | pairwise F1 | B-cubed F1 |",
                  "|---|---:|---:|---:|---:|",
                  f"| Resident Index | {pw['precision']:.4f} | {pw['recall']:.4f} | {pw['f1']:.4f} | {b3['f1']:.4f} |"]
        if base_eval:
            bpw, bb3 = base_eval["pairwise"], base_eval["bcubed"]
            lines.append(f"| plain Splink (tutorial settings) | {bpw['precision']:.4f} | {bpw['recall']:.4f} | "
                         f"{bpw['f1']:.4f} | {bb3['f1']:.4f} |")
    for c in compared:
        lines += ["", f"Splink on {c['engine']}, same model and records: {c['pairs']:,} pairs kept; "
                      f"{c['only_duckdb']:,} only on DuckDB, {c['only_engine']:,} only on {c['engine']}; largest "
                      f"match-weight difference {c['max_weight_difference'] or 0:.2g}."]
    markdown = "\n".join(lines)
    write_section(f"scale-{residents}", markdown)
    print(markdown, flush=True)
    return markdown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path,
                        help="folder for the council's data, emptied first and kept afterwards (default: a "
                             "temporary folder, removed afterwards)")
    parser.add_argument("--engines", default="duckdb",
                        help="Splink engines to run the full rescore on, comma-separated (duckdb, spark)")
    parser.add_argument("--min-available-gb", type=float, default=1.5,
                        help="stop when the machine's available memory falls below this")
    parser.add_argument("--no-baseline", action="store_true", help="leave out plain Splink")
    parser.add_argument("--stop-at", help="UTC time (HH:MM) to stop at, writing what was measured so far")
    parser.add_argument("--resume", action="store_true",
                        help="go on with the stopped run in --work: the stages in its progress.json are not run again")
    args = parser.parse_args()
    stop_at = None
    if args.stop_at:
        hours, minutes = map(int, args.stop_at.split(":"))
        now = time.gmtime()
        stop_at = time.time() + ((hours * 60 + minutes) - (now.tm_hour * 60 + now.tm_min)) * 60 - now.tm_sec
    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench_scale{args.residents}_"))
    try:
        run(args.residents, args.seed, work, [e.strip() for e in args.engines.split(",") if e.strip()],
            args.min_available_gb, not args.no_baseline, stop_at, args.resume)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
