"""A private PostgreSQL server for Tandem's store: Debian's postgresql-15 binaries, a data folder of its
own, listening on 127.0.0.1 only, and a password for the one role, `tandem`. No system service is used.

    .venv/bin/python -m tandem.postgres up var/postgres 5433     # prints the store_url, password elided
    .venv/bin/python -m tandem.postgres down var/postgres

The password is TANDEM_POSTGRES_PASSWORD, or one generated on first start and kept beside the data
folder (var/postgres.tandem-password, mode 0600, like every other generated secret).
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
ROLE = DATABASE = "tandem"
PASSWORD_FILE = "tandem-password"
# initdb and the server refuse to run as root: as root, they run as Debian's postgres user.
SERVER_USER = "postgres"


@dataclass(frozen=True, slots=True)
class Server:
    data_dir: Path
    port: int
    password: str

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{ROLE}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else args


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(path, user.pw_uid, user.pw_gid)


def _run(args: list[str], **env: str) -> None:
    done = subprocess.run(
        _as_server_user(args), capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _password(data_dir: Path) -> str:
    given = os.environ.get("TANDEM_POSTGRES_PASSWORD")
    if given:
        return given
    kept = data_dir.parent / f"{data_dir.name}.{PASSWORD_FILE}"
    if not kept.exists():
        kept.touch(mode=0o600)
        kept.write_text(secrets.token_urlsafe(32), encoding="utf-8")
    return kept.read_text(encoding="utf-8").strip()


def up(data_dir: Path, port: int) -> Server:
    """Start the server (made on first use), with the `tandem` database in it."""
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = Server(data_dir, port, _password(data_dir))
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(mode=0o700, exist_ok=True)
        _own(data_dir)
        secret = data_dir.parent / f"{data_dir.name}.initdb-password"  # initdb wants an empty folder
        secret.write_text(server.password, encoding="utf-8")
        secret.chmod(0o600)
        _own(secret)
        try:
            _run([str(BIN / "initdb"), "-D", str(data_dir), "-U", ROLE, f"--pwfile={secret}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        finally:
            secret.unlink()
        first = True
    else:
        first = False
    options = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data_dir}"
    _run(
        [
            str(BIN / "pg_ctl"),
            "-D",
            str(data_dir),
            "-o",
            options,
            "-l",
            str(data_dir / "server.log"),
            "-w",
            "start",
        ]
    )
    if first:
        _run([str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", ROLE, DATABASE],
             PGPASSWORD=server.password)  # fmt: skip
    return server


def down(data_dir: Path) -> None:
    _run([str(BIN / "pg_ctl"), "-D", str(data_dir.resolve()), "-m", "fast", "-w", "stop"])


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "up":
        server = up(Path(argv[1]), int(argv[2]))
        print(server.url.replace(server.password, "<password>"))
    elif len(argv) == 2 and argv[0] == "down":
        down(Path(argv[1]))
    else:
        sys.exit("usage: python -m tandem.postgres up DATA_DIR PORT | down DATA_DIR")


if __name__ == "__main__":
    main(sys.argv[1:])
