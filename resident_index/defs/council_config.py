"""The council's rule files, validated when the definitions load (so `dg check defs`, `dg dev` and
`resident-index run` stop at once on a bad file, naming the file, the key and what was expected, instead of a
run failing or a list coming out empty hours later). Warnings (an evidence kind no source declares) are
logged; each mart's metadata repeats its own. `resident-index check-config` prints both."""

import logging

from resident_index.council import CouncilConfigError, check_council, council_dir

_errors, _warnings = check_council()
if _errors:
    raise CouncilConfigError(f"the council config folder {council_dir()} has {len(_errors)} problem(s):\n- "
                             + "\n- ".join(_errors))
for _warning in _warnings:
    logging.getLogger("resident_index").warning("council config: %s", _warning)
