"""generate_council: the whole synthetic borough, its eleven systems' extracts and the ground truth."""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from resident_index.synthetic import layouts, truth, variants
from resident_index.synthetic.context import Ctx
from resident_index.synthetic.days import to_day
from resident_index.synthetic.extracts import write_extract
from resident_index.synthetic.population import simulate
from resident_index.synthetic.systems import SYSTEMS
from resident_index.synthetic.systems.base import release_caches

HISTORY_YEARS = 4
#: other systems where a planted death is never notified (council tax always is one)
EAD_SYSTEMS = ["electoral_register", "blue_badges", "parking_permits", "benefits"]


def generate_council(residents: int, seed: int, data_dir: Path, as_of: date = date(2026, 11, 1),
                     variant: str = "standard", council: str = "northbridge") -> dict:
    """Generate a synthetic council of about `residents` people into data_dir.

    `variant` is "standard" (two extracts per system) or "hard" (one snapshot, CRM names in one box in any
    order, a third of CRM contacts without an address, mobiles and landlines in one phone column: see
    variants.py). Replaces data_dir/landing, data_dir/reference and data_dir/truth (and nothing else; the
    hard variant of the bundled council also writes data_dir/council, the config folder a council delivering
    it runs: variants.council_folder; point RESIDENT_INDEX_COUNCIL_DIR at it). Same
    arguments, byte-identical files. Returns a summary: residents, households, addresses, records per
    system, seconds. `council` is "northbridge" (the bundled council) or "eastmere", the same engine written
    as a second council's systems write it (synthetic/layouts/eastmere.py; config in councils/eastmere/).
    """
    started = time.perf_counter()
    if residents < 50:
        raise ValueError("a council needs at least 50 residents")
    variants.check(variant)
    relayout = layouts.layout(council)
    data_dir = Path(data_dir)
    for sub in ("landing", "reference", "truth"):
        shutil.rmtree(data_dir / sub, ignore_errors=True)
    t0 = to_day(as_of - timedelta(days=round(HISTORY_YEARS * 365.25)))
    pop = simulate(seed, residents, t0, to_day(as_of))
    if relayout is not None:
        layouts.rename_place(pop.gazetteer, relayout.PLACE)
    snapshots = min(variants.snapshots(variant), relayout.SNAPSHOTS if relayout else 2)
    ctx = Ctx(pop=pop, seed=seed, as_of=to_day(as_of), t0=t0, snapshots=snapshots)
    ctx.ead = {name: set() for name in ["council_tax", *EAD_SYSTEMS]}
    for i, pid in enumerate(sorted(pop.forced_deaths)):
        ctx.ead["council_tax"].add(pid)
        ctx.ead[EAD_SYSTEMS[i % len(EAD_SYSTEMS)]].add(pid)

    gaz = pop.gazetteer
    (data_dir / "reference").mkdir(parents=True, exist_ok=True)
    if relayout is None:
        truth.write_csv(gaz.llpg, data_dir / "reference" / "llpg.csv")
    else:
        relayout.write_gazetteer(gaz.llpg, data_dir / "reference")

    records: dict[str, dict[str, int]] = {}
    truth_parts = []
    extra: dict[str, pl.DataFrame] = {}
    for module in SYSTEMS:
        out = module.build(ctx)
        system = relayout.SYSTEMS[out.name] if relayout else None
        name, landing = (system.name, system.landing) if system else (out.name, out.landing)
        records[name] = {}
        for day, frame in out.extracts.items():
            frame = variants.apply(variant, out.name, frame, seed)
            day_truth = out.truth.filter(pl.col("extract_date") == day)
            if system:
                frame, ids = system.relayout(frame)
                day_truth = day_truth.join(ids, left_on="source_record_id", right_on="old_id", how="inner",
                                           maintain_order="left").select(
                    source_system=pl.lit(name), source_record_id="new_id", extract_date="extract_date",
                    person_id="person_id")
            path = data_dir / "landing" / landing["folder"] / f"{day}.{landing['extension']}"
            write_extract(frame, path, landing)
            records[name][day] = frame.height
            truth_parts.append(day_truth)
        extra.update(out.extra_truth)

    release_caches()
    tdir = data_dir / "truth"
    truth.write_csv(pl.concat(truth_parts), tdir / "records.csv")
    persons = truth.persons(ctx)
    truth.write_csv(persons, tdir / "persons.csv")
    truth.write_csv(truth.residence(ctx), tdir / "residence.csv")
    truth.write_csv(truth.hard_cases(ctx), tdir / "hard_cases.csv")
    planted = truth.planted(ctx)
    if relayout is not None:  # the detail opens with the system the case is in
        names = {old: s.name for old, s in relayout.SYSTEMS.items()}
        first = pl.col("detail").str.extract(r"^(\S+)")
        planted = planted.with_columns(detail=pl.concat_str([first.replace(names), pl.col("detail").str.replace(
            r"^\S+", "")]))
    truth.write_csv(planted, tdir / "planted_cases.csv")
    for name, frame in extra.items():
        truth.write_csv(frame, tdir / f"{name}.csv")
    current = persons.filter(pl.col("current_uprn").is_not_null())
    folder = variants.council_folder(variant, data_dir / "council") if relayout is None else None
    return {
        "council": council,
        "variant": variant,
        **({"council_folder": str(folder)} if folder else {}),
        "residents": current.height,
        "households": persons.filter(pl.col("current_uprn").is_not_null())["household_id"].n_unique(),
        "addresses": int((gaz.kind != 3).sum()),
        "gazetteer_rows": gaz.llpg.height,
        "persons_ever": persons.height,
        "records": records,
        "seconds": round(time.perf_counter() - started, 1),
    }
