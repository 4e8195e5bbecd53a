"""Tests of the index beyond the laptop defaults (PostgreSQL instance storage, Splink on Spark)."""


def pytest_configure(config):
    config.addinivalue_line("markers", "scale: runs beyond the laptop defaults (a real PostgreSQL server, Splink on "
                                       "Spark); make test runs them, `pytest -m 'not scale'` skips them")
