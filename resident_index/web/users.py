"""Web passwords: who may sign in, kept outside the repository in data/secrets/web_users.json (0600).

The users and their roles are the council's protection/access.yaml; this file holds only a salted scrypt
hash per user (hashlib.scrypt, n=2**14, r=8, p=1), set by `resident-index web-user <id>`. A user in
access.yaml with no password here cannot sign in; a password for someone no longer in access.yaml is
never accepted. The synthetic council's demo password (`resident-index web-user --demo`, which `make web`
runs) is set only on a data folder holding the synthetic council's truth: a real council's never has one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets

from resident_index import settings
from resident_index.files import replaced_atomically

#: the synthetic council's demo users' password (docs/web.md); never set on a council without data/truth
DEMO_PASSWORD = "northbridge-demo"
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class NotSynthetic(Exception):
    """The demo password was asked for on a data folder that is not the synthetic council's."""


def path():
    return settings.data_dir() / "secrets" / "web_users.json"


def _read() -> dict:
    p = path()
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}


def _hash(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, maxmem=64 * 1024 * 1024, **SCRYPT).hex()


def set_passwords(passwords: dict[str, str]) -> None:
    """Store a new salted hash for each user given (others kept), written whole and private."""
    stored = _read()
    for user, password in passwords.items():
        if len(password) < 12:
            raise ValueError(f"the password for {user} is shorter than 12 characters")
        salt = secrets.token_bytes(16)
        stored[user] = {"salt": salt.hex(), "scrypt": _hash(password, salt), **{k: v for k, v in SCRYPT.items()}}
    p = path()
    p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with replaced_atomically(p) as partial:
        partial.write_text(json.dumps(stored, indent=2, sort_keys=True), encoding="utf-8")
    os.chmod(p, 0o600)


def check(user: str, password: str) -> bool:
    """True when `password` is the one stored for `user` (constant-time comparison)."""
    entry = _read().get(user)
    if not entry:
        _hash(password, b"0" * 16)  # the same time spent for an unknown user
        return False
    return hmac.compare_digest(_hash(password, bytes.fromhex(entry["salt"])), entry["scrypt"])


def has_password(user: str) -> bool:
    return user in _read()


def is_synthetic_data_dir() -> bool:
    """The data folder holds the synthetic council (its ground truth is there: a real council has none)."""
    return settings.truth_dir().is_dir() and any(settings.truth_dir().iterdir())


def set_demo_passwords(users: list[str]) -> list[str]:
    """DEMO_PASSWORD for every user not yet holding a password; refused on a data folder that is not the
    synthetic council's. Returns the users given it."""
    if not is_synthetic_data_dir():
        raise NotSynthetic(f"{settings.data_dir()} is not the synthetic council's data folder (no truth/): demo "
                           "passwords are only for the synthetic council; give each user a password with "
                           "`resident-index web-user <id>`")
    new = [u for u in users if not has_password(u)]
    if new:
        set_passwords({u: DEMO_PASSWORD for u in new})
    return new


def add_command(sub, cli_error) -> None:
    """`resident-index web-user <id>` (asks for the password twice, or reads one line from stdin with
    --password-stdin) and `resident-index web-user --demo` (the synthetic council's demo users)."""
    import getpass
    import sys

    def run(args) -> int:
        from resident_index.protection.config import load_protection

        protection = load_protection()
        if args.demo:
            try:
                given = set_demo_passwords(list(protection.users))
            except NotSynthetic as exc:
                raise cli_error(str(exc)) from None
            print(f"demo password set for {len(given)} user(s) without one ({', '.join(given) or 'none new'}); "
                  f"kept in {path()}")
            return 0
        if not args.user:
            raise cli_error("give a user id from protection/access.yaml, or --demo")
        if args.user not in protection.users:
            raise cli_error(f"user {args.user!r} is not in protection/access.yaml (users: "
                            f"{', '.join(protection.users)}): the information governance officer adds them there first")
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"new password for {args.user}: ")
            if getpass.getpass("again: ") != password:
                raise cli_error("the two passwords differ: nothing changed")
        try:
            set_passwords({args.user: password})
        except ValueError as exc:
            raise cli_error(str(exc)) from None
        print(f"password set for {args.user} ({protection.users[args.user].name}); kept in {path()}")
        return 0

    p = sub.add_parser("web-user", help="set a web app user's password (users and roles: protection/access.yaml)")
    p.add_argument("user", nargs="?", help="a user id from protection/access.yaml")
    p.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    p.add_argument("--demo", action="store_true",
                   help=f"the synthetic council only: give every user without a password the demo password "
                        f"{DEMO_PASSWORD!r}")
    p.set_defaults(func=run)
