"""Seeded random streams: one independent generator per named purpose, so output is byte-stable.

Each stage draws from its own stream (seed + a CRC of its name), so adding draws in one stage never
shifts the numbers another stage sees, and nothing depends on Python's per-process hash randomisation.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, *names: str) -> np.random.Generator:
    key = [int(seed) & 0xFFFFFFFF, *(zlib.crc32(n.encode()) for n in names)]
    return np.random.default_rng(np.random.SeedSequence(key))


class Draws:
    """Cheap scalar uniforms for per-event Python loops (a numpy call per scalar is ~50x slower)."""

    def __init__(self, rng: np.random.Generator, chunk: int = 65536):
        self._rng, self._chunk = rng, chunk
        self._buf: list[float] = []
        self._i = 0

    def u(self) -> float:
        if self._i >= len(self._buf):
            self._buf, self._i = self._rng.random(self._chunk).tolist(), 0
        self._i += 1
        return self._buf[self._i - 1]

    def int(self, n: int) -> int:
        """Uniform integer in [0, n)."""
        return min(int(self.u() * n), n - 1)

    def between(self, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.u()

    def chance(self, p: float) -> bool:
        return self.u() < p

    def pick(self, seq):
        return seq[self.int(len(seq))]
