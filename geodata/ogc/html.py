"""Minimal, valid HTML for the OGC pages (conformance class html): links and property tables."""

from __future__ import annotations

from html import escape

import orjson


def page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _links(links: list[dict]) -> str:
    items = "".join(
        f'<li><a href="{escape(link["href"])}">{escape(link.get("title") or link["rel"])}</a> '
        f"({escape(link['rel'])}, {escape(link['type'])})</li>"
        for link in links
    )
    return f"<ul>{items}</ul>"


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>No features.</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if r[c] is None else str(r[c]))}</td>" for c in cols) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def landing(doc: dict) -> str:
    return page(doc["title"], f"<p>{escape(doc['description'])}</p>{_links(doc['links'])}")


def conformance(doc: dict) -> str:
    return page("Conformance", "<ul>" + "".join(f"<li>{escape(c)}</li>" for c in doc["conformsTo"]) + "</ul>")


def collections(doc: dict) -> str:
    body = "".join(
        f"<h2>{escape(c['title'])}</h2><p>{escape(c['description'])}</p>{_links(c['links'])}"
        for c in doc["collections"]
    )
    return page("Collections", body)


def collection(doc: dict) -> str:
    crs = "".join(f"<li>{escape(u)}</li>" for u in doc["crs"])
    return page(
        doc["title"],
        f"<p>{escape(doc['description'])}</p>{_links(doc['links'])}<h2>Coordinate reference systems</h2><ul>{crs}</ul>",
    )


def features(body: bytes, title: str) -> str:
    """A feature collection (as serialised) -> a table of properties; geometries are left out."""
    doc = orjson.loads(body)
    rows = [{"id": f["id"], **f["properties"]} for f in doc["features"]]
    info = f"<p>{doc['numberReturned']} of {doc['numberMatched']} features, as of {escape(doc['as_of'])}.</p>"
    return page(title, info + _links(doc["links"]) + _table(rows))


def feature(body: bytes, title: str) -> str:
    doc = orjson.loads(body)
    rows = [{"property": k, "value": v} for k, v in doc["properties"].items()]
    return page(f"{title}: {doc['id']}", _links(doc["links"]) + _table(rows))
