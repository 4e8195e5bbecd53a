"""Variants of the synthetic council: the same borough and systems, harder for the pipeline.

`standard` is the council as docs/synthetic-council.md describes it: two extracts per system, names in
their columns. `hard` (issue 11 item 8, issue 12 item 6) is what a council's first delivery looks like:

- **one snapshot**: every system ships only its `as_of` extract, so there is no history to compare with;
  the NHS feed gives no registration date (like the register, it carries no start date), so nothing says
  when its records began;
- **CRM names in one box, in any order**: the contact centre's `lastname` holds the whole name as the call
  handler typed it, without a comma: "Smith John", "SMITH John" or "John Smith" (a third each), and
  `firstname` is empty;
- **a third of CRM contacts give no address** (no address text, no postcode);
- **one phone column mixes mobiles and landlines**: the CRM's `telephone1` holds whichever number the
  caller gave (the mobile for 60% of callers who have both) and `mobilephone` is empty.

A variant rewrites the files a system's module lays out, with its own random stream per system, so the
standard council's files are untouched by it and the same seed gives the same bytes. The column layout is
the standard one, so the bundled council config folder stages both; but a council whose CRM writes names in
one box in any order says so in its CRM YAML, so `council_folder` writes the folder such a council would
run: the bundled one with that CRM YAML (generate_council puts it in the data folder's `council/`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pathlib import Path

from resident_index.synthetic.randomness import stream

VARIANTS = ("standard", "hard")
#: share of CRM contacts with no address in the hard variant
CRM_NO_ADDRESS = 1 / 3
#: share of CRM callers with a mobile and a landline who give the mobile
CRM_GIVES_MOBILE = 0.6


def snapshots(variant: str) -> int:
    """Extracts each system ships under `variant`: the standard council two, the hard one a single one."""
    check(variant)
    return 1 if variant == "hard" else 2


def check(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"unknown synthetic council variant {variant!r}; expected one of {list(VARIANTS)}")
    return variant


def apply(variant: str, system: str, frame: pl.DataFrame, seed: int) -> pl.DataFrame:
    """`frame` (one extract of `system`, as its module laid it out) as the variant writes it."""
    if check(variant) == "standard":
        return frame
    rewrite = _HARD.get(system)
    return rewrite(frame, stream(seed, "variant", variant, system)) if rewrite else frame


#: the CRM YAML lines of the bundled council, and how a council whose CRM holds the hard variant's names declares them
CRM_NAME_COLUMNS = "  forename: firstname\n  surname: lastname\n"
CRM_ONE_BOX = "  full_name: [firstname, lastname]\n"


def council_folder(variant: str, dest: Path) -> Path | None:
    """The council config folder a council delivering `variant` would run, written at `dest` (replacing one
    written there before): the bundled folder with its sources, its CRM reading the name as one full name
    in either order. None for the standard council (the bundled folder reads it as it is)."""
    import shutil

    from resident_index.council import start_council_folder

    if check(variant) == "standard":
        return None
    shutil.rmtree(dest, ignore_errors=True)
    folder = start_council_folder(Path(dest), with_sources=True)
    crm = folder / "sources" / "crm_contacts.yaml"
    text = crm.read_text(encoding="utf-8")
    if CRM_NAME_COLUMNS not in text or "\ncolumns:\n" not in text:
        raise ValueError(f"{crm}: the bundled CRM YAML no longer maps {CRM_NAME_COLUMNS.split()} as the {variant} "
                         "variant's council folder expects; update variants.council_folder")
    text = text.replace(CRM_NAME_COLUMNS, CRM_ONE_BOX).replace(
        "\ncolumns:\n", "\n# the whole name in one box, either way round (synthetic/variants.py)\nname_order: any\ncolumns:\n", 1)
    crm.write_text(text, encoding="utf-8")
    return folder


def _crm_contacts(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = frame.height
    order = rng.integers(0, 3, n)  # 0 "Smith John", 1 "SMITH John", 2 "John Smith"
    no_address = rng.random(n) < CRM_NO_ADDRESS
    gives_mobile = rng.random(n) < CRM_GIVES_MOBILE
    first = pl.col("firstname")
    last = pl.col("lastname")
    order_ = pl.Series(order)
    one_box = (pl.when(first.is_null()).then(last)
               .when(order_ == 0).then(pl.concat_str([last, first], separator=" "))
               .when(order_ == 1).then(pl.concat_str([last.str.to_uppercase(), first], separator=" "))
               .otherwise(pl.concat_str([first, last], separator=" ")))
    mobile, landline = pl.col("mobilephone"), pl.col("telephone1")
    phone = (pl.when(mobile.is_null()).then(landline).when(landline.is_null()).then(mobile)
             .when(pl.Series(gives_mobile)).then(mobile).otherwise(landline))
    blank = pl.Series(no_address)
    return frame.with_columns(
        lastname=one_box,
        firstname=pl.lit(None, dtype=pl.Utf8),
        telephone1=phone,
        mobilephone=pl.lit(None, dtype=pl.Utf8),
        address1_composite=pl.when(blank).then(None).otherwise(pl.col("address1_composite")),
        address1_postalcode=pl.when(blank).then(None).otherwise(pl.col("address1_postalcode")),
    ).select(frame.columns)


def _nhs_demographics(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    return frame.with_columns(registration_date=pl.lit(None, dtype=pl.Utf8))


_HARD = {"crm_contacts": _crm_contacts, "nhs_demographics": _nhs_demographics}
