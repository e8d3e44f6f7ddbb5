"""``make bench``: the search benchmark of the issue's targets, in one run on a fresh temporary instance.

Seeds BENCH_SERVICES services (default 50,000) through the seed generator,
rebuilds the index, then measures the app's search in-process against SQLite
FTS5 on the same text and queries, publish-to-searchable, peak memory and an
HTTP run on gunicorn. Every figure is printed with its target; the exit
status is 0 whatever the figures (it is a report), non-zero only on a crash.

Environment: BENCH_SERVICES (50000), BENCH_QUERIES (500), BENCH_HTTP_SECONDS (20),
BENCH_PUBLISHES (20), BENCH_QUICK=1 (5000, 200, 10 and 10 instead), BENCH_INSTANCE_DIR (reuse a seeded instance there instead
of a temporary one), BENCH_KEEP=1 (leave the temporary instance on disk).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import instance

ROOT = Path(__file__).resolve().parents[2]
# BENCH_QUICK=1 makes the defaults those of a quick run (any variable set explicitly still wins).
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SERVICES = int(os.environ.get("BENCH_SERVICES") or ("5000" if QUICK else "50000"))
QUERIES = int(os.environ.get("BENCH_QUERIES") or ("200" if QUICK else "500"))
WARMUP_QUERIES = 100
HTTP_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS") or ("10" if QUICK else "20"))
HTTP_WARMUP_SECONDS = 5.0
HTTP_CONNECTIONS = 16
PUBLISHES = int(os.environ.get("BENCH_PUBLISHES") or ("10" if QUICK else "20"))
QUERY_SEED, WARMUP_SEED, HTTP_SEED = 20261, 20262, 20263

# The targets.
SEARCH_P95_MAX = 0.100
FTS5_RATIO_MAX = 1.5
REINDEX_MAX = 60.0
PUBLISH_MAX = 1.0
WORKER_MEMORY_MAX_MB = 500
HTTP_RPS_MIN = 40
HTTP_P99_MAX = 0.750

rows: list[tuple[str, str, str, str]] = []


def say(text: str = "") -> None:
    print(text, flush=True)


def record(name: str, value: str, target: str = "", passed: bool | None = None) -> None:
    verdict = "" if passed is None else ("PASS" if passed else "FAIL")
    rows.append((name, value, target, verdict))
    say(f"  {name}: {value}" + (f"   (target {target}: {verdict})" if target else ""))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (Whoosh's indexing processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numpy
    import whoosh

    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, whoosh {whoosh.versionstring()}, "
        f"numpy {numpy.__version__}, SQLite {sqlite3.sqlite_version}"
    )


def child(module: str, *args: Path) -> None:
    subprocess.run([sys.executable, "-m", f"tests.bench.{module}", *map(str, args)], cwd=ROOT, check=True)


def main() -> None:
    say(f"Cloudstore search benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    say(f"Machine: {machine()}; {load()}")
    reuse = os.environ.get("BENCH_INSTANCE_DIR")
    directory = Path(reuse).resolve() if reuse else Path(tempfile.mkdtemp(prefix="cloudstore-bench-"))
    instance.configure(directory)  # before anything imports the app's config
    say(f"Instance: {directory} ({SERVICES} services)")
    try:
        run(directory)
    finally:
        if not reuse and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(directory, ignore_errors=True)
    say()
    say("Summary")
    width = max(len(r[0]) for r in rows)
    for name, value, target, verdict in rows:
        say(f"  {name:<{width}}  {value:<28} {target:<16} {verdict}")


def run(directory: Path) -> None:
    from tests.bench import workload
    from tests.bench.workload import percentile

    app = instance.make_app()
    for setting in ("DATABASE_URL", "SEARCH_INDEX_DIR"):
        if str(directory) not in app.config[setting]:
            raise RuntimeError(f"{setting} is {app.config[setting]}, outside the benchmark's instance: refusing to run")
    if not instance.is_seeded(directory):
        say(f"\nSeeding {SERVICES} services through the seed generator ({load()})")
        timings = instance.migrate_and_seed(app, directory, SERVICES)
        say(f"  seeded in {timings['seed']:.0f} s")

    say(f"\nFull reindex ({load()})")
    before = _cpu_seconds()
    count, seconds = instance.reindex(app)
    cpu = _cpu_seconds() - before
    record("full reindex", f"{seconds:.1f} s for {count} services", f"<= {REINDEX_MAX:.0f} s", seconds <= REINDEX_MAX)
    say(f"  CPU time {cpu:.0f} s (the indexing processes included), {load()}")
    index_bytes = sum(p.stat().st_size for p in (directory / "search-index" / "current").resolve().iterdir())
    say(f"  index size {index_bytes / 2**20:.0f} MB")

    say("\nQuery mix and the FTS5 table")
    queries_path, warmup_path, http_path = (directory / f"{name}.json" for name in ("queries", "warmup", "http"))
    fts5_path = directory / "fts5.db"
    samples, categories = _build_fts5_and_samples(app, fts5_path)
    queries = workload.make_queries(samples, categories, QUERIES, QUERY_SEED)
    workload.save(queries, queries_path)
    workload.save(workload.make_queries(samples, categories, WARMUP_QUERIES, WARMUP_SEED), warmup_path)
    filtered = sum(q.filter_count > 0 for q in queries)
    words = sum(len(q.words) for q in queries) / len(queries)
    say(f"  {len(queries)} queries ({filtered} with filters, {words:.1f} words on average), "
        f"{WARMUP_QUERIES} different ones first to warm up")

    say(f"\nSearch in-process, the app's WhooshIndex.search with facets and highlights ({load()})")
    engine_out = directory / "engine.json"
    child("engine", directory, queries_path, warmup_path, engine_out)
    engine = json.loads(engine_out.read_text())
    e50, e95 = percentile(engine["latencies"], 50), percentile(engine["latencies"], 95)
    say(f"  first search of a new process (loads the index): {ms(engine['first_search'])}")
    if engine["page_step"]:
        page50, page95 = percentile(engine["page_step"], 50), percentile(engine["page_step"], 95)
        say(f"  the page's step around it (catch-up, search, rows from the database, presenter; no HTML): "
            f"p50 {ms(page50)}, p95 {ms(page95)}")
    else:
        say(f"  (no search page step measured: {engine.get('page_step_error', 'app/search/results.py not there yet')})")
    record("search p50", ms(e50))
    record("search p95", ms(e95), f"<= {ms(SEARCH_P95_MAX)}", e95 <= SEARCH_P95_MAX)
    record("search max", ms(max(engine["latencies"])))
    peak_mb = engine["search_peak_rss_kb"] / 1024
    within = peak_mb <= WORKER_MEMORY_MAX_MB
    record("peak memory, search process", f"{peak_mb:.0f} MB", f"<= {WORKER_MEMORY_MAX_MB} MB", within)
    say(f"  ({engine['peak_rss_kb'] / 1024:.0f} MB after the page's step too; the gunicorn workers are measured below)")

    say(f"\nThe same queries on SQLite FTS5 ({load()})")
    fts5_out = directory / "fts5.json"
    child("fts5", fts5_path, queries_path, warmup_path, fts5_out)
    fts5 = json.loads(fts5_out.read_text())
    f50, f95 = percentile(fts5["latencies"], 50), percentile(fts5["latencies"], 95)
    record("FTS5 p50", ms(f50))
    record("FTS5 p95", ms(f95))
    ratio = e95 / f95
    record("search p95 / FTS5 p95", f"{ratio:.2f}", f"<= {FTS5_RATIO_MAX}", ratio <= FTS5_RATIO_MAX)
    pairs = list(zip(engine["totals"], fts5["totals"], engine["facets"], fts5["facets"], strict=True))
    same = sum(a == b for a, b, _, _ in pairs)
    same_facets = sum(a == b and fa == fb for a, b, fa, fb in pairs)
    say(f"  same total on both for {same} of {len(queries)} queries, and the same facet counts too for {same_facets} "
        f"(their stemmers differ a little); {sum(t == 0 for t in engine['totals'])} queries find nothing")

    say(f"\nPublish to searchable, {PUBLISHES} publishes ({load()})")
    publish = _publish_to_searchable(app, PUBLISHES)
    p50 = percentile(publish["total"], 50)
    record("publish to searchable, median", ms(p50), f"<= {ms(PUBLISH_MAX)}", p50 <= PUBLISH_MAX)
    record("publish to searchable, max", ms(max(publish["total"])))
    say(f"  of which, medians: publish and commit {ms(percentile(publish['publish'], 50))}, "
        f"drain into the index {ms(percentile(publish['drain'], 50))}, "
        f"first search after it {ms(percentile(publish['search'], 50))}")

    say(f"\nHTTP: gunicorn, 2 workers, {HTTP_CONNECTIONS} connections, {HTTP_SECONDS:g} s ({load()})")
    workload.save(workload.make_queries(samples, categories, 400, HTTP_SEED), http_path)
    _http_run(directory, workload.load(http_path))


def _build_fts5_and_samples(app: Any, fts5_path: Path) -> tuple[list[Any], list[str]]:
    import sqlalchemy as sa

    from app.catalogue.models import Category
    from app.db import get_session
    from app.search.services import all_documents
    from app.timeutil import today
    from tests.bench import fts5, workload

    samples: list[workload.Sample] = []

    def documents() -> Any:
        for document in all_documents(session, today()):
            samples.append(workload.Sample.of(document))
            yield document

    with app.app_context():
        session = get_session()
        started = time.perf_counter()
        fts5_path.unlink(missing_ok=True)
        count = fts5.build(fts5_path, documents())
        say(f"  FTS5 table of {count} services built in {time.perf_counter() - started:.1f} s "
            f"({fts5_path.stat().st_size / 2**20:.0f} MB)")
        categories = sorted(session.scalars(sa.select(Category.slug)))
    return samples, categories


def _publish_to_searchable(app: Any, count: int) -> dict[str, list[float]]:
    """Publish new services as a supplier would and time each until a search finds it."""
    import sqlalchemy as sa

    from app.auth.models import User
    from app.catalogue import services as catalogue
    from app.catalogue.models import Service
    from app.catalogue.rules import ServiceStatus
    from app.db import get_session
    from app.search import get_index
    from app.search.index import SearchQuery
    from app.search.services import drain
    from app.timeutil import today
    from seed.services import DEMO_SUPPLIER

    index = get_index(app)
    timings: dict[str, list[float]] = {"publish": [], "drain": [], "search": [], "total": []}
    with app.app_context():
        session = get_session()
        user = session.scalar(sa.select(User).where(User.email == DEMO_SUPPLIER))
        template = session.scalar(
            sa.select(Service)
            .where(Service.organisation_id == user.organisation_id, Service.status == ServiceStatus.PUBLISHED.value)
            .limit(1)
        )
        data, lot = dict(template.data), template.lot.slug
        index.search(SearchQuery(q="cloud", today=today()))  # a running worker has its searcher open already
        for n in range(count):
            word = "benchprobe" + "".join(chr(ord("a") + int(d)) for d in f"{n:03d}{time.time_ns() % 10**6:06d}")
            service = catalogue.create_service(session, user, lot, {**data, "name": f"{word} {data['name']}"[:100]})
            session.commit()  # the draft exists before the supplier presses publish
            started = time.perf_counter()
            catalogue.publish_service(session, user, service, today=today())
            session.commit()
            published = time.perf_counter()
            # What the after-request hook does: a fresh session, a bounded drain.
            with app.extensions["sessionmaker"]() as drain_session:
                drain(drain_session, index, today=today(), limit=500)
            drained = time.perf_counter()
            first_search = None
            while True:
                page = index.search(SearchQuery(q=word, today=today()))
                if first_search is None:
                    first_search = time.perf_counter() - drained
                if any(hit.id == service.id for hit in page.hits):
                    break
                if time.perf_counter() - started > 30:
                    raise RuntimeError(f"service {service.id} was not searchable 30 s after publishing")
            done = time.perf_counter()
            timings["publish"].append(published - started)
            timings["drain"].append(drained - published)
            timings["search"].append(first_search)
            timings["total"].append(done - started)
    return timings


def _http_run(directory: Path, queries: list[Any]) -> None:
    from tests.bench import http_load

    server = http_load.Gunicorn(directory)
    try:
        path = http_load.choose_page(server, queries[0].url("/services"))
        if path is None:
            record("HTTP run", "not run: no search page or API answered 200", f">= {HTTP_RPS_MIN}/s", False)
            return
        paths = [q.url(path) for q in queries]
        say(f"  loading {path}?... ({len(paths)} addresses; {HTTP_WARMUP_SECONDS:g} s warm-up first)")
        http_load.drive(server, paths, HTTP_WARMUP_SECONDS, HTTP_CONNECTIONS)
        result = http_load.drive(server, paths, HTTP_SECONDS, HTTP_CONNECTIONS)
        peaks = [http_load.peak_kb(pid) for pid in server.worker_pids()]
    finally:
        server.stop()
    say(f"  {result.requests} requests in {result.seconds:.1f} s with {result.tool}, {result.errors} errors")
    passed = result.per_second >= HTTP_RPS_MIN and not result.errors
    record("HTTP requests per second", f"{result.per_second:.1f}", f">= {HTTP_RPS_MIN}", passed)
    record("HTTP p50", ms(result.p50))
    record("HTTP p99", ms(result.p99), f"< {ms(HTTP_P99_MAX)}", result.p99 < HTTP_P99_MAX)
    worst = max(peaks, default=0) / 1024
    record("peak memory, gunicorn worker", f"{worst:.0f} MB (" + ", ".join(f"{p / 1024:.0f}" for p in peaks) + ")",
           f"<= {WORKER_MEMORY_MAX_MB} MB", 0 < worst <= WORKER_MEMORY_MAX_MB)


if __name__ == "__main__":
    main()
