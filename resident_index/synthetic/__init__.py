"""A synthetic council: gazetteer, four years of residents, eleven source systems' extracts, ground truth.

Entry point: `generate_council(residents, seed, data_dir, as_of)`. See docs/synthetic-council.md.
"""

from resident_index.synthetic.council import generate_council

__all__ = ["generate_council"]
