"""The peers of `make bench`: tipg and pygeoapi, the latest from PyPI, each installed once into its own
venv under .vngeo/peers/<name> and served like this service (uvicorn, 2 workers, uvloop, httptools,
8 database connections) as the read-only API role, on the views of today's communes and provinces
in schema geo_current (etl/migrations/005_current_views.sql)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from bench.http_bench import ROOT, Server, free_port

PEERS_DIR = ROOT / ".vngeo" / "peers"
DB_CONNECTIONS = 8
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS3405 = "http://www.opengis.net/def/crs/EPSG/0/3405"
# uvicorn[standard] (uvloop, httptools): plain uvicorn with several workers adds ~40 ms per reused connection.
REQUIREMENTS = {
    "tipg": ["tipg", "uvicorn[standard]"],
    # pygeoapi's PostgreSQL provider imports geoalchemy2 and psycopg2, and its ASGI app starlette,
    # none of which `pip install pygeoapi` brings.
    "pygeoapi": ["pygeoapi", "uvicorn[standard]", "starlette", "geoalchemy2", "psycopg2-binary"],
}
# What each peer calls the communes collection.
COLLECTIONS = {"tipg": "geo_current.communes", "pygeoapi": "communes"}


def python(name: str) -> str:
    return str(PEERS_DIR / name / "bin" / "python")


def install(name: str) -> Path:
    """Create the venv and install the peer once; the marker records the requirements it was made from."""
    venv, want = PEERS_DIR / name, "\n".join(REQUIREMENTS[name]) + "\n"
    marker = venv / ".installed"
    if marker.is_file() and marker.read_text() == want and Path(python(name)).exists():
        return venv
    print(f"installing {name} into {venv.relative_to(ROOT)} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = subprocess.run(
        [python(name), "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS[name]],
        capture_output=True,
        text=True,
    )
    if pip.returncode:  # (pip's output otherwise stays quiet: it warns about every index location it skips)
        raise RuntimeError(f"installing {name} failed:\n{pip.stdout[-2000:]}{pip.stderr[-2000:]}")
    marker.write_text(want)
    return venv


def version(name: str) -> str:
    return subprocess.run(
        [python(name), "-c", f"import importlib.metadata as m; print(m.version({name!r}))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def start_tipg(api_url: str) -> Server:
    venv = install("tipg")
    # tipg creates its catalog functions in pg_temp on every new connection, which the API role's
    # default read-only transactions refuse; the role still has SELECT only.
    url = api_url + ("&" if "?" in api_url else "?") + "default_transaction_read_only=off"
    env = {
        "DATABASE_URL": url,
        "DB_MIN_CONN_SIZE": "1",
        "DB_MAX_CONN_SIZE": str(DB_CONNECTIONS),
        "TIPG_DB_SCHEMAS": '["geo_current"]',
        # views have no primary key: name the id column (tipg's key is <schema>_<table>)
        "TIPG_TABLE_CONFIG__geo_current_communes__PK": "code",
        "TIPG_TABLE_CONFIG__geo_current_provinces__PK": "code",
    }
    # cwd is the venv: tipg would read a .env file from its working folder.
    return Server(
        "tipg.main:app",
        free_port(),
        env,
        ready=f"/collections/{COLLECTIONS['tipg']}",
        python=python("tipg"),
        cwd=venv,
        log=venv / "server.log",
    )


def pygeoapi_config(api_url: str, base: str) -> dict:
    db = conninfo_to_dict(api_url)
    data = {
        "host": db.get("host", "127.0.0.1"),
        "port": int(db.get("port", 5432)),
        "dbname": db["dbname"],
        "user": db["user"],
        "search_path": ["geo_current"],
    }
    if db.get("password"):
        data["password"] = db["password"]
    return {
        # server.url: pygeoapi writes it into every link, and ogr2ogr follows the "next" links.
        # limits.max_items: the same largest page as this service (pygeoapi no longer reads server.limit).
        "server": {
            "bind": {"host": "127.0.0.1", "port": int(base.rsplit(":", 1)[1])},
            "url": base,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 10_000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "vn-geodata bench peer",
                "description": "communes valid today",
                "keywords": ["communes"],
                "keywords_type": "theme",
                "terms_of_service": "https://opensource.org/license/mit",
                "url": base,
            },
            "license": {"name": "MIT", "url": "https://opensource.org/license/mit"},
            "provider": {"name": "vn-geodata", "url": base},
            "contact": {"name": "vn-geodata"},
        },
        "resources": {
            COLLECTIONS["pygeoapi"]: {
                "type": "collection",
                "title": "communes",
                "description": "communes valid today",
                "keywords": ["communes"],
                "extents": {"spatial": {"bbox": [102.14, 7.18, 117.83, 23.4], "crs": CRS84}},
                # SQLAlchemy's pool is pygeoapi's own (5 + 10 overflow per worker, not configurable);
                # with wrk's 8 connections it holds at most 8.
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": data,
                        "table": "communes",
                        "id_field": "code",
                        "geom_field": "geom",
                        "crs": [CRS84, CRS3405],
                        "storage_crs": CRS84,
                    }
                ],
            }
        },
    }


def start_pygeoapi(api_url: str) -> Server:
    venv = install("pygeoapi")
    port = free_port()
    config, openapi = venv / "config.yml", venv / "openapi.yml"
    # JSON is YAML: no YAML writer needed here.
    config.write_text(json.dumps(pygeoapi_config(api_url, f"http://127.0.0.1:{port}"), indent=1, ensure_ascii=False))
    env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    subprocess.run(
        [str(venv / "bin" / "pygeoapi"), "openapi", "generate", str(config), "--output-file", str(openapi)],
        cwd=venv,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    return Server(
        "pygeoapi.starlette_app:APP",
        port,
        env,
        ready=f"/collections/{COLLECTIONS['pygeoapi']}?f=json",
        python=python("pygeoapi"),
        cwd=venv,
        log=venv / "server.log",
    )


START = {"tipg": start_tipg, "pygeoapi": start_pygeoapi}
