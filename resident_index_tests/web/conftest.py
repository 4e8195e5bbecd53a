"""The web app on a copy of the session's built council (resident_index_tests/conftest.py `built_council`), in
this process: a module's own copy (its tests record verdicts, splits, merges and sign-ins there), every synthetic
user given the demo password, its data folder and council folder in the environment for each test only, one
signed-in client per user."""

from __future__ import annotations

import re

import pytest

from resident_index.web import users
from resident_index_tests.conftest import copy_council

KEYS = ("RESIDENT_INDEX_DATA_DIR", "RESIDENT_INDEX_COUNCIL_DIR")


@pytest.fixture(scope="module")
def web_council(built_council, tmp_path_factory) -> dict:
    """This module's copy of the built council, with the demo password for every user of its access config."""
    council = copy_council(built_council, tmp_path_factory.mktemp("web"))
    with pytest.MonkeyPatch.context() as env:
        for k in KEYS:
            env.setenv(k, council["env"][k])
        from resident_index.protection.config import load_protection

        users.set_demo_passwords(list(load_protection().users))
    return council


@pytest.fixture
def web_env(web_council, monkeypatch) -> dict:
    """`web_council`'s data and council folders in the environment, for this test (put back after it)."""
    for k in KEYS:
        monkeypatch.setenv(k, web_council["env"][k])
    return web_council


@pytest.fixture
def sign_in(web_env):
    """sign_in(user) -> a TestClient signed in as `user` (a fresh session each call), with .csrf set."""
    from starlette.testclient import TestClient

    from resident_index.web.app import app

    def client(user: str, password: str = users.DEMO_PASSWORD):
        c = TestClient(app)
        reply = c.post("/signin", data={"user": user, "password": password, "next": "/find"}, follow_redirects=False)
        assert reply.status_code == 303, reply.text
        c.csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/find").text).group(1)
        return c

    return client
