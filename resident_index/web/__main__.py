"""python -m resident_index.web [--host 127.0.0.1] [--port 8080]: serve the web app (docs/web.md)."""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from resident_index import read_snapshot

    parser = argparse.ArgumentParser(prog="python -m resident_index.web", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("RESIDENT_INDEX_WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RESIDENT_INDEX_WEB_PORT", "8080")))
    args = parser.parse_args(argv)
    if not read_snapshot.snapshot_path().exists():
        print(f"note: {read_snapshot.snapshot_path()} does not exist yet: pages say so until `make demo` (or a "
              "build_index run) publishes it")
    print(f"Resident Index web on http://{args.host}:{args.port} (docs/web.md)")
    uvicorn.run("resident_index.web.app:app", host=args.host, port=args.port, log_level="warning",
                access_log=False)  # the audit log records who saw what; an access log would copy queries
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
