"""Tests of the index beyond the laptop defaults (PostgreSQL instance storage)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "scale: runs beyond the laptop defaults (a real PostgreSQL server); make test "
                                       "runs them, `pytest -m 'not scale'` skips them")
