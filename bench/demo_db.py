"""Benchmark databases: the demo generator's data, built once under ``var/bench/`` and reused.

Interface::

    from bench.demo_db import demo_database

    with demo_database("sqlite", customers=1_000_000) as env:      # or "postgres"
        subprocess.run([...], env=os.environ | env)                 # a child that sets Django up

``env`` holds ``DATABASE_URL`` and ``GUANXI_VAR_DIR`` (cache and queue files go there too), so a
child process — or this process, if it sets ``os.environ.update(env)`` *before* ``django.setup()``
— talks to the benchmark database and never to the user's ``var/`` or ``DATABASE_URL``.

* The database is keyed by backend, size, seed and ``guanxi.web.demo_scale.GENERATOR_VERSION``:
  ``var/bench/<backend>-<customers>-seed<seed>-g<version>/`` (``GUANXI_BENCH_DIR`` moves
  ``var/bench``). The first use runs ``migrate`` and ``guanxi_demo --customers N --seed S`` in a
  child process (about 20 minutes for 1M customers on SQLite, 10 on PostgreSQL; the output
  streams to stderr) and writes ``ready.json``; later uses find ``ready.json`` and start at once.
  When migrations were added since (``ready.json`` keeps a fingerprint of the migration files),
  a later use runs ``migrate`` forward first: new tables start empty, as they would for a user
  who upgrades; a change to what the generator writes bumps ``GENERATOR_VERSION`` instead, which
  means a new build. An interrupted build resumes where it stopped (the generator does). Older
  builds of the same backend, size and seed are removed when a new one is made.
* ``"postgres"``: a throwaway PostgreSQL server like ``tools/with-postgres`` starts (as the
  ``postgres`` user when run as root, on a free loopback port, durability off — benchmarks only)
  on a data directory kept under the key directory, so the loaded cluster is reused too; the
  server stops when the ``with`` block ends. One user of a PostgreSQL key at a time (a lock file
  waits for the other).
* ``python bench/demo_db.py sqlite 100000 [--seed S]`` builds (or finds) one and prints its env.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_wal_size=8GB -c checkpoint_timeout=30min"
)
Backend = Literal["sqlite", "postgres"]


def _generator() -> tuple[int, int]:
    """(version, default seed) of the demo generator; its package imports no Django."""
    sys.path.insert(0, str(ROOT / "src"))
    from guanxi.web.demo_scale import DEFAULT_SEED, GENERATOR_VERSION

    return GENERATOR_VERSION, DEFAULT_SEED


def _schema() -> str:
    """Fingerprint of every migration file: a database built before a migration is not reused."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "guanxi").glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def bench_dir() -> Path:
    return Path(os.environ.get("GUANXI_BENCH_DIR", ROOT / "var" / "bench"))


def database_dir(backend: Backend, customers: int, seed: int | None = None) -> Path:
    """Where the database of this backend, size and seed lives (for the current generator)."""
    version, default_seed = _generator()
    return bench_dir() / f"{backend}-{customers}-seed{default_seed if seed is None else seed}-g{version}"


def _adopt_legacy(home: Path) -> None:
    """Builds keyed by a migration fingerprint too (``<key>-<schema>``) become ``home``, migrated on use."""
    if home.exists():
        return
    for legacy in sorted(home.parent.glob(f"{home.name}-*"), key=lambda path: path.stat().st_mtime, reverse=True):
        if not legacy.is_dir() or not (legacy / "ready.json").exists():
            continue
        with _locked(legacy.with_suffix(".lock")):  # wait for a benchmark still using it
            if not home.exists() and legacy.exists():
                legacy.rename(home)
        legacy.with_suffix(".lock").unlink(missing_ok=True)
        return


@contextmanager
def demo_database(backend: Backend, customers: int, *, seed: int | None = None) -> Iterator[dict[str, str]]:
    """Yield the environment of a demo database with ``customers`` generated customers (see the module)."""
    if backend not in ("sqlite", "postgres"):
        raise ValueError(f"unknown backend {backend!r}")
    if customers < 0:
        raise ValueError("customers must be zero or more")
    seed = _generator()[1] if seed is None else seed
    home = database_dir(backend, customers, seed)
    home.parent.mkdir(parents=True, exist_ok=True)
    _adopt_legacy(home)
    home.mkdir(exist_ok=True)
    with _locked(home.with_suffix(".lock")):
        if backend == "sqlite":
            env = {"GUANXI_VAR_DIR": str(home), "DATABASE_URL": f"sqlite:///{home / 'guanxi.sqlite3'}"}
            _ensure_built(home, env, backend, customers, seed)
        else:
            with _postgres(home) as env:
                _ensure_built(home, env, backend, customers, seed)
                yield env
            return
    yield env


# --- building ----------------------------------------------------------------------------


def _ensure_built(home: Path, env: dict[str, str], backend: Backend, customers: int, seed: int) -> None:
    ready = home / "ready.json"
    if ready.exists():
        facts = json.loads(ready.read_text(encoding="utf-8"))
        if facts.get("schema") != _schema():
            print(f"demo_db: migrating {home.name} forward", file=sys.stderr, flush=True)
            _manage(env, ["migrate", "--noinput", "-v", "0"])
            facts["schema"] = _schema()
        if not facts.get("planner_statistics"):
            # Built before ``guanxi demo`` refreshed the planner's statistics (as the nightly task does).
            _manage(env, ["guanxi_statistics"])
            facts["planner_statistics"] = True
        ready.write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
        return
    print(f"demo_db: building {home.name} (first use; later runs reuse it)", file=sys.stderr, flush=True)
    started = time.perf_counter()
    _manage(env, ["migrate", "--noinput", "-v", "0"])
    _manage(env, ["guanxi_demo", "--customers", str(customers), "--seed", str(seed)])  # refreshes statistics too
    version, _seed = _generator()
    facts = {
        "backend": backend,
        "customers": customers,
        "seed": seed,
        "generator_version": version,
        "schema": _schema(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(time.perf_counter() - started, 1),
        "bytes": _size(home),
        "planner_statistics": True,
    }
    (home / "ready.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    _remove_older(home, backend, customers, seed)
    print(f"demo_db: built {home.name} in {facts['build_seconds']} s", file=sys.stderr, flush=True)


def _manage(env: dict[str, str], step: list[str]) -> None:
    """Run one management command against the benchmark database, in a child process."""
    child_env = os.environ | env | {"DJANGO_SETTINGS_MODULE": "guanxi.settings"}
    if "SECRET_KEY" not in child_env:
        child_env.setdefault("GUANXI_DEBUG", "1")
    done = subprocess.run(  # noqa: S603 -- our own interpreter and management commands
        [sys.executable, "-m", "django", *step], env=child_env, cwd=ROOT, stdout=sys.stderr, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"demo_db: `{step[0]}` failed with exit code {done.returncode}")


def _remove_older(home: Path, backend: Backend, customers: int, seed: int) -> None:
    for other in bench_dir().glob(f"{backend}-{customers}-seed{seed}-g*"):
        if other != home and other.is_dir():
            shutil.rmtree(other, ignore_errors=True)
            other.with_suffix(".lock").unlink(missing_ok=True)


def _size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- PostgreSQL ----------------------------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as ``postgres`` then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def _give_to_postgres(path: Path) -> None:
    if os.getuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _run(command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=True, text=True, capture_output=True, **options)  # noqa: S603


@contextmanager
def _postgres(home: Path) -> Iterator[dict[str, str]]:
    """Start a server on ``home/data`` (created on first use), yield its env, stop it."""
    data = home / "data"
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(mode=0o700)
        _give_to_postgres(data)
        initdb = [str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
        _run(_as_postgres([*initdb, "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]))
    sockets = Path(tempfile.mkdtemp(prefix="guanxi-bench-pg-"))
    _give_to_postgres(sockets)
    # We hold this key's lock, so a server still running on the data directory is an orphan of
    # a benchmark that was killed (SIGTERM skips the ``finally`` below): stop it first.
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data)]
    if subprocess.run(_as_postgres([*pg_ctl, "status"]), check=False, capture_output=True).returncode == 0:  # noqa: S603
        subprocess.run(_as_postgres([*pg_ctl, "-m", "fast", "-w", "stop"]), check=False, capture_output=True)  # noqa: S603
    port = _start(data, sockets)
    try:
        secret = home / "password"
        psql = _as_postgres([str(PG_BIN / "psql"), "-h", str(sockets), "-p", str(port), "-U", "postgres", "-X", "-q"])
        if fresh or not secret.exists():
            password = secrets.token_hex(16)
            _run([*psql, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                  "-c", "DROP DATABASE IF EXISTS guanxi", "-c", "DROP ROLE IF EXISTS guanxi",
                  "-c", f"CREATE ROLE guanxi LOGIN SUPERUSER PASSWORD '{password}'",
                  "-c", "CREATE DATABASE guanxi OWNER guanxi"])  # fmt: skip
            secret.write_text(password, encoding="utf-8")
            secret.chmod(0o600)
        var = home / "var"
        var.mkdir(exist_ok=True)
        password = secret.read_text(encoding="utf-8").strip()
        yield {"DATABASE_URL": f"postgres://guanxi:{password}@127.0.0.1:{port}/guanxi", "GUANXI_VAR_DIR": str(var)}
        _run([*psql, "-d", "guanxi", "-c", "CHECKPOINT"])
    finally:
        subprocess.run(  # noqa: S603
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(sockets, ignore_errors=True)


def _start(data: Path, sockets: Path) -> int:
    """Start the server on a free port (another process may take a port between probe and start)."""
    log = sockets / "server.log"
    for _attempt in range(5):
        port = _free_port()
        options = f"{PG_OPTIONS} -p {port} -k {sockets}"
        command = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "120", "-o", options, "start"]
        if subprocess.run(_as_postgres(command), check=False, capture_output=True).returncode == 0:  # noqa: S603
            return port
    detail = log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.exists() else ""
    raise RuntimeError(f"demo_db: the PostgreSQL server did not start:\n{detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Build (or find) a benchmark demo database and print its env.")
    parser.add_argument("backend", choices=["sqlite", "postgres"])
    parser.add_argument("customers", type=int)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    with demo_database(args.backend, args.customers, seed=args.seed) as env:
        print(json.dumps(env, indent=2))
        print(
            json.dumps(json.loads((database_dir(args.backend, args.customers, args.seed) / "ready.json").read_text()))
        )


if __name__ == "__main__":
    main()
