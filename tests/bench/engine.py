"""The app's own search, in a process of its own, as a web worker would run it.

Run as ``python -m tests.bench.engine <instance dir> <queries.json> <warmup.json> <out.json>``
by ``tests/bench/run.py``: a separate process so that its peak memory is that
of a searching worker, not of the process that seeded 50,000 services.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from tests.bench import instance


def _page_step(app: Any) -> Any:
    """What the search page does around the engine, short of rendering HTML: catch up with the outbox,
    search, load the rows shown from the database and shape them with the presenter (None without one)."""
    if importlib.util.find_spec("app.search.results") is None:
        return None
    from app.db import get_session
    from app.search import get_index
    from app.search.results import find_services

    def step(query: Any, day: Any) -> int:
        with app.app_context():
            results = find_services(
                get_session(), get_index(), query, today=day, make_session=app.extensions["sessionmaker"], log=print
            )
            results.facets()
            results.summary  # noqa: B018 (computed as the page does)
            results.pagination()
            return len(results.cards)

    return step


def main(directory: Path, queries_path: Path, warmup_path: Path, out_path: Path) -> None:
    instance.configure(directory)  # before anything imports the app's config
    app = instance.make_app()
    from app.search import get_index
    from app.timeutil import today
    from tests.bench import workload

    index = get_index(app)
    queries = workload.load(queries_path)
    warmup = workload.load(warmup_path)
    day = today()
    result: dict[str, Any] = {}

    started = time.perf_counter()
    index.search(queries[0].search_query(day))
    result["first_search"] = time.perf_counter() - started
    for query in warmup:
        index.search(query.search_query(day))

    latencies, totals, facets = [], [], []
    for query in queries:
        started = time.perf_counter()
        page = index.search(query.search_query(day))
        latencies.append(time.perf_counter() - started)
        totals.append(page.total)
        facets.append({group: {k: v for k, v in counts.items() if v} for group, counts in page.facets.items()})
    result.update(latencies=latencies, totals=totals, facets=facets)
    result["search_peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["page_step"] = None
    step = _page_step(app)
    if step is not None:
        try:
            page_latencies = []
            for query in queries:
                started = time.perf_counter()
                step(query.search_query(day), day)
                page_latencies.append(time.perf_counter() - started)
            result["page_step"] = page_latencies
        except Exception as error:  # reported, not fatal: the engine's figures stand on their own
            result["page_step_error"] = repr(error)
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out_path.write_text(json.dumps(result))


if __name__ == "__main__":
    main(*(Path(arg) for arg in sys.argv[1:5]))
