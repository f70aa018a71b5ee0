"""The project-local PostGIS cluster under .vngeo/pg, or an existing server from DATABASE_URL."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

from geodata.settings import API_ROLE, DB_NAME, ETL_ROLE, NoDatabase, Settings, local_pg_port

OS_USER = "vngeo"  # the cluster's files belong to this unprivileged user when run as root
EXTENSIONS = ("postgis", "pg_trgm", "unaccent", "btree_gist", "fuzzystrmatch")
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "max_connections": "200",
    "wal_level": "replica",
    "max_wal_senders": "5",
    "jit": "off",
}


class ClusterError(RuntimeError):
    """Something the user must fix to get a database; the message says what."""


def pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise ClusterError(
        "PostgreSQL server binaries not found: install them, e.g. "
        "`apt-get install postgresql postgresql-15-postgis-3` (or run `make up` as root)"
    )


def _check_postgis(bindir: Path) -> None:
    sharedir = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    share = Path(sharedir.stdout.strip()) if sharedir.returncode == 0 else None
    if share and not (share / "extension" / "postgis.control").exists():
        major = bindir.parent.name
        raise ClusterError(
            f"PostGIS is not installed for PostgreSQL {major}: "
            f"`apt-get install postgresql-{major}-postgis-3` (or run `make up` as root)"
        )


def _run_as_owner(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", OS_USER, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _ensure_os_user(pg: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER], check=True)
    subprocess.run(["chown", "-R", f"{OS_USER}:", str(pg)], check=True)
    # The server runs as OS_USER: it must be able to reach its data folder. Checkouts under
    # private folders (mode 700) get the search bit only (o+x: traverse, not list or read).
    for parent in reversed(pg.resolve().parents):
        if subprocess.run(["runuser", "-u", OS_USER, "--", "test", "-x", str(parent)]).returncode:
            print(f"granting {OS_USER} traverse permission on {parent}")
            os.chmod(parent, os.stat(parent).st_mode | 0o001)


def _port_free(port: int) -> bool:
    """No server listens on the port. SO_REUSEADDR as PostgreSQL sets it: connections of a server just
    stopped (TIME_WAIT) do not make its port look taken, or a restart would move to another port."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _free_port() -> int:
    for port in range(55432, 55532):
        if _port_free(port):
            return port
    raise ClusterError("no free local port in 55432-55531 for PostgreSQL; set VNGEO_PG_PORT")


def _choose_port(settings: Settings) -> int:
    """The port the cluster listens on: the configured or remembered one, else a free one, which is
    remembered in pg_dir/port. Only creating or starting the cluster writes that file; the URLs
    (geodata/settings.py: etl_url, api_url) read it."""
    try:
        return local_pg_port(settings)
    except NoDatabase:
        pass
    chosen = _free_port()
    settings.pg_dir.mkdir(parents=True, exist_ok=True)
    (settings.pg_dir / "port").write_text(str(chosen))
    return chosen


def is_running(settings: Settings) -> bool:
    data = settings.pg_dir / "data"
    if not (data / "PG_VERSION").exists():
        return False
    return _run_as_owner([str(pg_bindir() / "pg_ctl"), "-D", str(data), "status"]).returncode == 0


def start(settings: Settings) -> str:
    """Create (first time) and start the local cluster; return a status line."""
    if settings.database_url:
        return "using DATABASE_URL; the local cluster is not used"
    bindir = pg_bindir()
    _check_postgis(bindir)
    pg, data = settings.pg_dir, settings.pg_dir / "data"
    pg.mkdir(parents=True, exist_ok=True)
    p = _choose_port(settings)
    _ensure_os_user(pg)
    if not (data / "PG_VERSION").exists():
        r = _run_as_owner(
            [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]
        )
        if r.returncode:
            raise ClusterError(f"initdb failed: {r.stderr.strip()}")
        conf = "\n".join(f"{k} = '{v}'" for k, v in SERVER_SETTINGS.items())
        with open(data / "postgresql.auto.conf", "a") as f:
            f.write(f"\n{conf}\nport = {p}\nunix_socket_directories = '{pg}'\n")
        with open(data / "pg_hba.conf", "a") as f:  # streaming replicas on loopback
            f.write("host replication postgres 127.0.0.1/32 trust\n")
    if not is_running(settings) and not settings.pg_port and not _port_free(p):
        # The remembered port was taken meanwhile (another checkout's cluster chose it while this
        # one was stopped): move to a free one rather than fail to start.
        p = _free_port()
        (pg / "port").write_text(str(p))
        with open(data / "postgresql.auto.conf", "a") as f:
            f.write(f"port = {p}\n")  # the last setting of a name wins
    if not is_running(settings):
        r = _run_as_owner(
            [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(pg / "server.log"), "-w", "-t", "60", "start"]
        )
        if r.returncode:
            raise ClusterError(
                f"PostgreSQL did not start: {r.stderr.strip() or r.stdout.strip()}; see {pg / 'server.log'}"
            )
    _bootstrap(p)
    return f"PostGIS running on 127.0.0.1:{p} (data in {data})"


def _bootstrap(p: int) -> None:
    """Database, roles and extensions; idempotent."""
    import psycopg

    admin = f"postgresql://postgres@127.0.0.1:{p}/postgres"
    for _ in range(50):
        try:
            with psycopg.connect(admin, autocommit=True) as conn:
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
                    conn.execute(f"CREATE DATABASE {DB_NAME}")
                for role, extra in ((ETL_ROLE, ""), (API_ROLE, "")):
                    if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                        conn.execute(f"CREATE ROLE {role} LOGIN {extra}")
            break
        except psycopg.OperationalError:
            time.sleep(0.2)
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{p}/{DB_NAME}", autocommit=True) as conn:
        for ext in EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {ext}")
        conn.execute(f"ALTER DATABASE {DB_NAME} OWNER TO {ETL_ROLE}")
        conn.execute(f"GRANT CREATE ON DATABASE {DB_NAME} TO {ETL_ROLE}")
        conn.execute(f"ALTER ROLE {API_ROLE} SET default_transaction_read_only = on")


def stop(settings: Settings) -> str:
    if settings.database_url:
        return "using DATABASE_URL; nothing to stop"
    if not is_running(settings):
        return "not running"
    r = _run_as_owner([str(pg_bindir() / "pg_ctl"), "-D", str(settings.pg_dir / "data"), "-m", "fast", "-w", "stop"])
    if r.returncode:
        raise ClusterError(f"pg_ctl stop failed: {r.stderr.strip()}")
    return "stopped"


def status(settings: Settings) -> str:
    if settings.database_url:
        return "using DATABASE_URL"
    return f"running on 127.0.0.1:{local_pg_port(settings)}" if is_running(settings) else "not running"
