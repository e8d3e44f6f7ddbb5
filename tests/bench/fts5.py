"""The yardstick: the same documents and queries on an SQLite FTS5 table, done the way a competent team would.

The table holds the same four text fields as the Whoosh index (name, summary,
body, meta) with the same field weights in bm25(), porter stemming and folded
accents. Filters are columns: organisation types and certifications as bit
sets (few values), categories in an indexed link table (many values). A query
copies the matching rows' filter columns into a temporary table once, counts
each facet from it (its own filter left out, as the engine does) with one
scan, counts the total, and ranks the page of 30 by bm25 with highlight() and
snippet() computed for those 30 rows only.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.search.index import CERTIFICATIONS, LOCATIONS_ACCEPTED, ORG_TYPES, PER_PAGE, ServiceDocument
from app.search.whoosh_index import FOREVER, query_words
from tests.bench.workload import BenchQuery

WEIGHTS = "3.0, 2.0, 1.0, 1.5"  # the field boosts of name, summary, body and meta in the Whoosh schema
ORG_BIT = {value: 1 << n for n, value in enumerate(ORG_TYPES)}
CERT_BIT = {value: 1 << n for n, value in enumerate(CERTIFICATIONS)}
FILTER_COLUMNS = "lot, data_location, free_trial, price, org_bits, cert_bits"

SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(name, summary, body, meta, tokenize = 'porter unicode61 remove_diacritics 2');
CREATE TABLE attrs (
    id INTEGER PRIMARY KEY, sid INTEGER NOT NULL, lot TEXT NOT NULL, data_location TEXT NOT NULL,
    free_trial INTEGER NOT NULL, price INTEGER NOT NULL, org_bits INTEGER NOT NULL, cert_bits INTEGER NOT NULL,
    visible_until INTEGER NOT NULL
);
CREATE TABLE doc_category (doc INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (doc, value)) WITHOUT ROWID;
CREATE INDEX doc_category_value ON doc_category (value, doc);
"""


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.executescript(
        "PRAGMA mmap_size = 536870912; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;"
        "CREATE TEMP TABLE IF NOT EXISTS matched (id INTEGER PRIMARY KEY, lot TEXT, data_location TEXT,"
        " free_trial INTEGER, price INTEGER, org_bits INTEGER, cert_bits INTEGER);"
    )
    return conn


def build(path: Path, documents: Iterable[ServiceDocument]) -> int:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    conn.execute("BEGIN")
    count = 0
    for n, doc in enumerate(documents, start=1):
        body = "\n".join([doc.description, *doc.features, *doc.benefits])
        meta = "\n".join([doc.lot_name, *doc.category_names, doc.supplier_name])
        conn.execute(
            "INSERT INTO docs (rowid, name, summary, body, meta) VALUES (?, ?, ?, ?, ?)",
            (n, doc.name, doc.summary, body, meta),
        )
        conn.execute(
            "INSERT INTO attrs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                n, doc.id, doc.lot, doc.data_location, int(doc.free_trial), doc.price_pence,
                sum(ORG_BIT[v] for v in set(doc.org_types)), sum(CERT_BIT[v] for v in set(doc.certifications)),
                doc.visible_until.toordinal() if doc.visible_until else FOREVER,
            ),
        )
        conn.executemany("INSERT INTO doc_category VALUES (?, ?)", [(n, v) for v in set(doc.categories)])
        count = n
    conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return count


@dataclass
class Fts5Page:
    total: int
    hits: list[tuple[int, float, str, str]]
    facets: dict[str, dict[str, int]]


def _match_expression(query: BenchQuery) -> str:
    # Each word quoted: a phrase of one token, so no input is FTS5 syntax; all words must match.
    return " AND ".join('"' + word.replace('"', '""') + '"' for word in query_words(" ".join(query.words)))


def _conditions(query: BenchQuery, alias: str) -> dict[str, tuple[str, list[Any]]]:
    """One SQL condition (on the filter columns of ``alias``) per filter group, keyed like the engine's facet groups."""
    groups: dict[str, tuple[str, list[Any]]] = {}
    if query.lot:
        groups["lot"] = (f"{alias}.lot = ?", [query.lot])
    if query.categories:
        marks = ", ".join("?" * len(query.categories))
        in_categories = f"{alias}.id IN (SELECT doc FROM doc_category WHERE value IN ({marks}))"
        groups["category"] = (in_categories, list(query.categories))
    if query.org_types:
        groups["org_type"] = (f"{alias}.org_bits & ? != 0", [sum(ORG_BIT[v] for v in query.org_types)])
    if query.data_location:
        accepted = LOCATIONS_ACCEPTED[query.data_location]
        groups["data_location"] = (f"{alias}.data_location IN ({', '.join('?' * len(accepted))})", list(accepted))
    if query.certifications:
        mask = sum(CERT_BIT[v] for v in query.certifications)
        groups["certification"] = (f"{alias}.cert_bits & ? = ?", [mask, mask])
    return groups


def _where(conditions: Iterable[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    parts, params = ["1"], []
    for sql, values in conditions:
        parts.append(f"({sql})")
        params += values
    return " AND ".join(parts), params


def search(conn: sqlite3.Connection, query: BenchQuery, today: date) -> Fts5Page:
    match = _match_expression(query)
    conn.execute("DELETE FROM matched")
    conn.execute(
        f"INSERT INTO matched SELECT a.id, {', '.join('a.' + c for c in FILTER_COLUMNS.split(', '))}"
        " FROM docs d JOIN attrs a ON a.id = d.rowid WHERE docs MATCH ? AND a.visible_until > ?",
        (match, today.toordinal()),
    )
    groups = _conditions(query, "m")
    # As in the engine, the price and free-trial filters have no counts of their own: they narrow every group's.
    narrowing: list[tuple[str, list[Any]]] = []
    if query.free_trial:
        narrowing.append(("m.free_trial = 1", []))
    if query.price_max_pence is not None:
        narrowing.append(("m.price <= ?", [query.price_max_pence]))
    facets: dict[str, dict[str, int]] = {}
    for group in ("lot", "category", "org_type", "data_location", "certification"):
        where, params = _where([*narrowing, *(v for k, v in groups.items() if k != group)])
        if group == "category":
            # Of the plans tried, looking up each match's categories was the quickest.
            sql = (
                "SELECT l.value, count(*) FROM doc_category l"
                f" WHERE l.doc IN (SELECT m.id FROM matched m WHERE {where}) GROUP BY l.value"
            )
            counts = dict(conn.execute(sql, params).fetchall())
        elif group in ("org_type", "certification"):
            bits, column = (ORG_BIT, "org_bits") if group == "org_type" else (CERT_BIT, "cert_bits")
            sums = ", ".join(f"coalesce(sum({column} & {bit} != 0), 0)" for bit in bits.values())
            row = conn.execute(f"SELECT {sums} FROM matched m WHERE {where}", params).fetchone()
            counts = dict(zip(bits, row, strict=True))
        else:
            sql = f"SELECT m.{group}, count(*) FROM matched m WHERE {where} GROUP BY m.{group}"
            counts = dict(conn.execute(sql, params).fetchall())
            if group == "data_location":
                counts = {value: sum(counts.get(v, 0) for v in within) for value, within in LOCATIONS_ACCEPTED.items()}
        facets[group] = counts
    where, params = _where([*narrowing, *groups.values()])
    total = conn.execute(f"SELECT count(*) FROM matched m WHERE {where}", params).fetchone()[0]
    hits = conn.execute(
        f"""WITH top AS (
                SELECT m.id AS id, bm25(docs, {WEIGHTS}) AS score
                FROM docs d JOIN matched m ON m.id = d.rowid
                WHERE docs MATCH ? AND {where}
                ORDER BY score LIMIT {PER_PAGE})
            SELECT a.sid, top.score,
                   highlight(docs, 0, '<mark>', '</mark>'), snippet(docs, 1, '<mark>', '</mark>', '…', 64)
            FROM top JOIN docs ON docs.rowid = top.id JOIN attrs a ON a.id = top.id
            WHERE docs MATCH ? ORDER BY top.score""",
        [match, *params, match],
    ).fetchall()
    return Fts5Page(total=total, hits=hits, facets=facets)


def run(path: Path, queries: list[BenchQuery], warmup: list[BenchQuery], today: date) -> dict[str, Any]:
    conn = connect(path)
    for query in warmup:
        search(conn, query, today)
    latencies, totals, facets = [], [], []
    for query in queries:
        started = time.perf_counter()
        page = search(conn, query, today)
        latencies.append(time.perf_counter() - started)
        totals.append(page.total)
        facets.append({group: {k: v for k, v in counts.items() if v} for group, counts in page.facets.items()})
    return {"latencies": latencies, "totals": totals, "facets": facets}


if __name__ == "__main__":  # run by tests/bench/run.py: <fts5.db> <queries.json> <warmup.json> <out.json>
    import json
    import resource
    import sys

    from app.timeutil import today
    from tests.bench import workload

    db, queries_json, warmup_json, out = (Path(arg) for arg in sys.argv[1:5])
    outcome = run(db, workload.load(queries_json), workload.load(warmup_json), today())
    outcome["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.write_text(json.dumps(outcome))
