"""The web app on the session's built council (resident_index_tests/conftest.py `built_council`), in this
process: its data folder and council folder in the environment, every synthetic user given the demo
password, one signed-in client per user."""

from __future__ import annotations

import os
import re

import pytest

from resident_index.web import users


@pytest.fixture(scope="session")
def web_env(built_council):
    keys = ("RESIDENT_INDEX_DATA_DIR", "RESIDENT_INDEX_COUNCIL_DIR")
    before = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ[k] = built_council["env"][k]
    from resident_index.protection.config import load_protection

    users.set_demo_passwords(list(load_protection().users))
    yield built_council
    for k, v in before.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
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
