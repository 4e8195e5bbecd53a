"""The web app in headless Chromium on a copy of the built council (web/conftest.py `web_council`): sign in,
search, open a resident, record a review verdict, run a radius query, and a role without the purpose refused.
Chromium and Playwright come from the UI test's setup (resident_index_tests/ui/test_browser.py `browser`:
Debian's chromium, `make browser`), and it is skipped, saying why, where either is missing. The app runs as
`python -m resident_index.web`, as `make web` starts it. Screenshots to docs/images/web-*.png (docs/web.md
shows them)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from resident_index.web import users
from resident_index_tests.conftest import PROJECT
from resident_index_tests.ui.test_browser import _free_port, _shot, browser  # noqa: F401 (the fixture)


@pytest.fixture(scope="module")
def web(web_council):
    env = web_council["env"]
    setup = subprocess.run([sys.executable, "-m", "resident_index.cli", "web-user", "--demo"], env=env, cwd=PROJECT,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "resident_index.web", "--port", str(port)], cwd=PROJECT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the web app did not answer within 60 s"
            try:
                if requests.get(f"{base}/signin", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _signed_in(browser, base, user):  # noqa: F811 (the fixture's value)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{base}/find")
    page.fill("#user", user)
    page.fill("#password", users.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/find")
    return context, page


def test_caseworker_and_reviewer_in_the_browser(browser, web, web_council, tmp_path):  # noqa: F811
    import duckdb

    con = duckdb.connect(str(web_council["data"] / "warehouse.read.duckdb"), read_only=True)
    forename, surname, dob, postcode = con.execute("""SELECT forename, surname, dob, postcode FROM golden_residents
                                       WHERE NOT deceased AND easting IS NOT NULL AND len(services) >= 3
                                         AND dob IS NOT NULL
                                       ORDER BY resident_id LIMIT 1""").fetchone()
    con.close()
    context, page = _signed_in(browser, web, "demo.caseworker")
    _shot(page, tmp_path, "web-signed-in")
    page.fill("#q", surname.title())
    page.get_by_role("button", name="Find").click()
    page.locator("table.results a").first.wait_for()
    _shot(page, tmp_path, "web-find")
    page.locator("table.results a").first.click()
    page.get_by_role("heading", name="Golden record").wait_for()
    assert page.locator("h1").inner_text().startswith("Resident R")
    _shot(page, tmp_path, "web-resident")
    page.get_by_role("link", name="Review", exact=True).click()
    page.locator("table.results a").first.click()
    page.get_by_role("heading", name="Match weight by comparison").wait_for()
    assert page.locator(".waterfall svg rect").count() >= 4
    _shot(page, tmp_path, "web-review-pair")
    page.fill("#note", "checked with the resident by phone")
    page.get_by_role("button", name="Different people").click()
    page.get_by_text("Recorded: different").wait_for()
    page.goto(f"{web}/match")
    page.fill("#m-forename", forename.title())
    page.fill("#m-surname", surname.title())
    page.fill("#m-dob", dob.isoformat())
    page.fill("#m-postcode", postcode)
    page.get_by_role("button", name="Check").click()
    page.locator("table.results .grade-certain").first.wait_for()  # the resident, before a duplicate is made
    _shot(page, tmp_path, "web-match")
    page.goto(f"{web}/emergency?postcode={postcode}&radius=300")
    page.get_by_text("holds no purpose that covers gis_emergency_planning_export").wait_for()  # not their purpose
    context.close()

    context, page = _signed_in(browser, web, "t.adeyemi")
    page.goto(f"{web}/emergency")
    page.fill("#e-postcode", postcode)
    page.fill("#e-radius", "300")
    page.get_by_role("button", name="List residents").click()
    page.locator(".map svg").wait_for()
    assert page.locator(".map svg circle").count() >= 2
    assert "living residents" in page.locator("p.about").first.inner_text()
    _shot(page, tmp_path, "web-emergency")
    context.close()
