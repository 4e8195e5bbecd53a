"""No Python or SQL of the product names a council's system (issue 12): the package knows kinds of evidence,
and each council's system names live in its config folder (resident_index/councils/<council>/) and in the
synthetic generator that writes its extracts. The same grep a reviewer runs, kept true by CI."""

from __future__ import annotations

import re
from pathlib import Path

import resident_index

PACKAGE = Path(resident_index.__file__).parent
#: where system names belong: each council's config folder and the synthetic councils' generator
ALLOWED = ("councils", "synthetic")


def system_names() -> set[str]:
    """Every system of every bundled council: the stems of its source YAMLs."""
    return {p.stem for p in (PACKAGE / "councils").glob("*/sources/*.yaml")}


def hits(names: set[str], root: Path = PACKAGE) -> list[str]:
    """file:line: text for each line of Python or SQL under `root` (outside ALLOWED) naming a system as a
    word of its own (`council_tax`, not `council_tax_liability`, a kind), any case."""
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, sorted(names))) + r")(?![A-Za-z0-9_])",
                         re.IGNORECASE)
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".sql") or path.relative_to(root).parts[0] in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_python_or_sql_names_a_system():
    names = system_names()
    assert {"council_tax", "electoral_register", "northgate_revs", "xpress_er"} <= names  # both councils read
    assert hits(names) == []


def test_the_grep_finds_a_system_name(tmp_path):
    (tmp_path / "golden").mkdir()
    (tmp_path / "golden" / "trust.sql").write_text("SELECT 1\nWHERE source_system = 'COUNCIL_TAX' -- liable\n")
    (tmp_path / "golden" / "kinds.py").write_text("KIND = 'council_tax_liability'\n")  # a kind: not a system name
    (tmp_path / "synthetic").mkdir()
    (tmp_path / "synthetic" / "layout.py").write_text("NAME = 'council_tax'\n")  # the generator may
    assert hits({"council_tax"}, tmp_path) == ["golden/trust.sql:2: WHERE source_system = 'COUNCIL_TAX' -- liable"]
