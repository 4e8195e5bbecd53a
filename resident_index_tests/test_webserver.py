"""The real Dagster webserver, on loopback, lists every source asset with its checks (via GraphQL)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from resident_index.sources.spec import load_registry
from resident_index_tests.conftest import PROJECT, project_env

QUERY = """
{ assetNodes { assetKey { path } groupName partitionDefinition { description }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webserver_lists_every_source_asset_and_its_checks(tmp_path: Path):
    port = _free_port()
    env = project_env(tmp_path / "data")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)], cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        nodes = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and nodes is None:
            assert server.poll() is None, server.stderr.read().decode()[-3000:]
            try:
                reply = requests.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY}, timeout=30)
                data = reply.json().get("data") or {}
                nodes = data.get("assetNodes") or None  # empty while the code location is still loading
            except requests.RequestException:
                pass
            if nodes is None:
                time.sleep(1)
        assert nodes, "the webserver did not serve the asset graph within 3 minutes"
        by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        for spec in load_registry():
            node = by_key[spec.name]
            assert node["groupName"] == "sources" and node["partitionDefinition"] is not None
            checks = {c["name"]: c["blocking"] for c in node["assetChecksOrError"]["checks"]}
            assert checks["unique_record_ids"] is True and checks["rows_reconcile"] is True
            assert "valid_postcode_rate" in checks and "row_count_vs_previous" in checks
        assert {"llpg", "staged_records", "address_matches", "person_records"} <= set(by_key)
    finally:
        server.terminate()
        server.wait(timeout=30)
