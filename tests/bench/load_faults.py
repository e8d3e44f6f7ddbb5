"""``make bench``, second part: a mixed load on gunicorn and PostgreSQL, with gunicorn workers killed mid-run.

Creates its own PostgreSQL database (``cloudstore_bench_<pid>``, dropped at the
end) and a temporary instance directory for the index and the mail outbox,
seeds the demo data with BENCH_LOAD_SERVICES generated services and builds the
index. gunicorn then serves it with BENCH_LOAD_WORKERS workers on 127.0.0.1
while, for BENCH_LOAD_SECONDS, reader connections load search pages (half of
them with filters), service pages and supplier pages, and editor connections
act as supplier users: each edit is a PATCH through the JSON API with the
supplier's bearer token that puts a word found nowhere else into a service's
summary, which publishes a new version at once (rule C2). Every third edit of
an editor goes to a service of its own that it edits again and again (one
edit at a time); the others go to services nobody has edited yet. So the
word of each service's latest edit must end up findable, and replaced words
must not.

Two faults are injected while edits are in flight, each a SIGKILL of one
worker (never the master), which gunicorn replaces:

1. a worker inside an edit's database transaction (PostgreSQL shows its
   backend with a transaction id and an edit statement, not yet committed);
2. a worker holding the search index's write lock (an after-request drain
   writing a committed edit into the index: the edit's answer never arrives).

Afterwards it drains the outbox with ``flask search drain``, runs ``flask
search verify`` (which must exit 0), and checks every edit the clients tried,
whatever answer they got: either the whole change is there (the working copy,
the new version, the audit event, the outbox row, the index entry at that
version and a search for its word finding it) or none of it is; and that
every outbox row written during the run has been applied. It prints
throughput, p50/p99 per kind of request, errors by status and each check.

If PostgreSQL does not answer, it says the load bench was skipped and why.
The exit status is 1 if a check of correctness fails (a half-applied edit, a
lost outbox row, an index that disagrees), 0 otherwise: latency figures are a
report, not a verdict.

Environment (defaults; BENCH_QUICK=1 gives the quick ones in brackets):
BENCH_LOAD_SECONDS 60 [20], BENCH_LOAD_SERVICES 3000 [1000], BENCH_LOAD_WORKERS 4,
BENCH_LOAD_READERS 8, BENCH_LOAD_EDITORS 4, BENCH_LOAD_EDIT_PAUSE 0.2 (seconds an
editor waits between edits), BENCH_LOAD_FAULTS 1 (0: no worker is killed),
BENCH_POSTGRES_URL postgresql+psycopg://postgres@127.0.0.1:5432 (a server where
the user may create databases), BENCH_KEEP=1 (keep the instance directory and
the database).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.bench import instance

# Nothing from the app (nor tests.bench.workload, which imports it) is imported at the top: the
# app's configuration reads the environment when first imported, and main() sets it first.

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def _setting(name: str, full: str, quick: str | None = None) -> str:
    return os.environ.get(name) or (quick if QUICK and quick is not None else full)


SECONDS = float(_setting("BENCH_LOAD_SECONDS", "60", "20"))
SERVICES = int(_setting("BENCH_LOAD_SERVICES", "3000", "1000"))
WORKERS = int(_setting("BENCH_LOAD_WORKERS", "4"))
READERS = int(_setting("BENCH_LOAD_READERS", "8"))
EDITORS = int(_setting("BENCH_LOAD_EDITORS", "4"))
EDIT_PAUSE = float(_setting("BENCH_LOAD_EDIT_PAUSE", "0.2"))
FAULTS = _setting("BENCH_LOAD_FAULTS", "1") not in ("", "0")
POSTGRES_URL = _setting("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432").rstrip("/")
KEEP = bool(os.environ.get("BENCH_KEEP"))
DEMO_PASSWORD = "cloudstore-demo-password"
MIX_SEED = 20264
# What readers ask for, out of 100.
READ_MIX = (("search", 50), ("service page", 35), ("supplier page", 15))
# Every HOT_EVERY-th edit of an editor goes to its own HOT_PER_EDITOR service(s) again.
HOT_EVERY = 3
HOT_PER_EDITOR = 1
# Letters that never make an English suffix, so the stemmer leaves the edit words alone
# and no word is another's prefix (they all have the same length).
WORD_LETTERS = "bcdfghjklmnpqrtvwxz"
WORD_PREFIX = "zq"
EDIT_STATEMENT = re.compile(r"^\s*(INSERT INTO (service_versions|search_outbox|audit_events)|UPDATE services)\b", re.I)


def say(text: str = "") -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds == seconds else "-"


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min)"


def edit_word(number: int, run_key: int) -> str:
    """A word no generated text contains, unique to one edit of this run."""
    value = run_key * 1_000_000 + number
    letters = []
    for _ in range(8):
        value, digit = divmod(value, len(WORD_LETTERS))
        letters.append(WORD_LETTERS[digit])
    return WORD_PREFIX + "".join(letters)


# The record of the run, as the clients saw it.


@dataclass
class Answer:
    kind: str
    status: int | None  # None: no answer (the connection was cut)
    seconds: float
    started: float  # since the start of the run


@dataclass
class Edit:
    number: int
    service_id: int
    word: str
    version_before: int
    outcome: str = "not sent"  # ok, refused (an HTTP error status) or interrupted (no answer)
    status: int | None = None
    version_answered: int | None = None
    started: float = 0.0
    ended: float = 0.0


@dataclass
class Fault:
    name: str
    at: float | None = None
    pid: int | None = None
    seen: str = ""
    edits_in_flight: list[int] = field(default_factory=list)
    replaced_after: float | None = None
    note: str = ""


@dataclass
class Target:
    service_id: int
    version: int
    summary: str
    token: str


class Client:
    """One keep-alive HTTP connection (gunicorn's sync workers close it after each answer; it reopens)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


class Run:
    """The clients of one timed run and what they saw."""

    def __init__(self, port: int, reads: dict[str, list[str]], targets: list[Target], run_key: int) -> None:
        self.port = port
        self.reads = reads
        # Each editor owns HOT_PER_EDITOR services that it edits again and again (one edit at a time, so
        # versions follow each other); every other edit goes to a service nobody has edited yet.
        hot = EDITORS * HOT_PER_EDITOR
        self.hot = [targets[n::EDITORS][:HOT_PER_EDITOR] for n in range(EDITORS)] if len(targets) > hot else [[]] * EDITORS
        self.fresh = targets[hot:] if len(targets) > hot else targets
        self.run_key = run_key
        self.answers: list[Answer] = []
        self.edits: list[Edit] = []
        self.in_flight: dict[int, Edit] = {}
        self.lock = threading.Lock()
        self.next_fresh = 0
        self.started = 0.0
        self.deadline = 0.0
        self.elapsed = 0.0
        self.ran_out = False

    def now(self) -> float:
        return time.monotonic() - self.started

    def _take(self, editor: int, turn: int) -> tuple[Edit, Target] | None:
        with self.lock:
            hot = self.hot[editor]
            if hot and turn % HOT_EVERY == HOT_EVERY - 1:
                target = hot[(turn // HOT_EVERY) % len(hot)]
            elif self.next_fresh < len(self.fresh):
                target = self.fresh[self.next_fresh]
                self.next_fresh += 1
            else:
                self.ran_out = True
                return None
            edit = Edit(len(self.edits), target.service_id, edit_word(len(self.edits), self.run_key), target.version)
            self.edits.append(edit)
            return edit, target

    def reader(self, seed: int) -> None:
        rng = random.Random(seed)
        client = Client(self.port)
        kinds, weights = zip(*READ_MIX, strict=True)
        mine: list[Answer] = []
        while time.monotonic() < self.deadline:
            kind = rng.choices(kinds, weights)[0]
            path = rng.choice(self.reads[kind])
            started = time.perf_counter()
            at = self.now()
            try:
                status: int | None = client.request("GET", path)[0]
            except (OSError, http.client.HTTPException):
                status = None
            mine.append(Answer(kind, status, time.perf_counter() - started, at))
        client.close()
        with self.lock:
            self.answers.extend(mine)

    def editor(self, editor: int) -> None:
        client = Client(self.port)
        mine: list[Answer] = []
        turn = 0
        while time.monotonic() < self.deadline:
            taken = self._take(editor, turn)
            turn += 1
            if taken is None:
                break
            edit, target = taken
            body = json.dumps({"summary": new_summary(edit.word, target.summary)}).encode()
            headers = {"Authorization": f"Bearer {target.token}", "Content-Type": "application/json"}
            with self.lock:
                self.in_flight[editor] = edit
            started = time.perf_counter()
            edit.started = self.now()
            try:
                status, data = client.request("PATCH", f"/api/v1/services/{target.service_id}", body, headers)
            except (OSError, http.client.HTTPException):
                status, data = None, b""
            elapsed = time.perf_counter() - started
            with self.lock:
                del self.in_flight[editor]
            edit.ended = self.now()
            edit.status = status
            if status is None:
                edit.outcome = "interrupted"
            elif status == 200:
                edit.outcome = "ok"
                edit.version_answered = json.loads(data).get("version")
            else:
                edit.outcome = "refused"
            mine.append(Answer("edit", status, elapsed, edit.started))
            time.sleep(EDIT_PAUSE)
        client.close()
        with self.lock:
            self.answers.extend(mine)

    def edits_in_flight(self) -> list[int]:
        with self.lock:
            return sorted(edit.number for edit in self.in_flight.values())


def new_summary(word: str, summary: str) -> str:
    """The summary with the edit's word in front, still within 50 words and 500 characters (rule C3)."""
    words = summary.split()[:45]
    text = " ".join([word.capitalize(), "update:", *words])
    while len(text) > 480:
        words = words[:-1]
        text = " ".join([word.capitalize(), "update:", *words])
    return text


# Faults: which worker to kill, found from outside as an operator would.


def _socket_inodes_on_local_port(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    return inodes


def _pid_with_socket(pids: list[int], inodes: set[str]) -> int | None:
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    return pid
            except OSError:
                continue
    return None


def stop_worker_in_edit_transaction(
    conninfo: str, database: str, workers: Callable[[], list[int]], until: float
) -> tuple[int, str] | None:
    """Find a worker whose PostgreSQL backend is inside an edit that has written but not committed (it has a
    transaction id and its last statement writes the service, a version, an outbox row or an audit event),
    stop it (SIGSTOP), and return it, still stopped, once PostgreSQL shows the transaction still open."""
    import psycopg

    by_port: dict[int, int] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < until:
            rows = conn.execute(
                "SELECT client_port, query FROM pg_stat_activity "
                "WHERE datname = %s AND backend_xid IS NOT NULL AND client_port IS NOT NULL",
                (database,),
            ).fetchall()
            for port, query in rows:
                if not EDIT_STATEMENT.match(query or ""):
                    continue
                live = workers()
                pid = by_port.get(port)
                if pid not in live:
                    pid = _pid_with_socket(live, _socket_inodes_on_local_port(port))
                    if pid is None:
                        continue
                    by_port[port] = pid
                os.kill(pid, signal.SIGSTOP)
                time.sleep(0.05)  # a COMMIT already sent would be done by now
                still = conn.execute(
                    "SELECT state, query FROM pg_stat_activity "
                    "WHERE datname = %s AND client_port = %s AND backend_xid IS NOT NULL",
                    (database, port),
                ).fetchone()
                if still is not None and EDIT_STATEMENT.match(still[1] or ""):
                    return pid, f"its transaction open, {still[0]}, last statement {' '.join(still[1].split())[:60]}..."
                os.kill(pid, signal.SIGCONT)
            time.sleep(0.002)
    return None


def _lock_holders(inode: int) -> set[int]:
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 4242 00:2f:123456 0 EOF" (processes waiting for it have "->" first)
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[2] != "->" and int(parts[5].rsplit(":", 1)[1]) == inode:
            holders.add(int(parts[4]))
    return holders


def stop_worker_holding_index_lock(lock_file: Path, workers: Callable[[], list[int]], until: float) -> int | None:
    """Find the worker holding the Whoosh write lock (an flock on the index's MAIN_WRITELOCK file, as
    /proc/locks shows), stop it (SIGSTOP) and return it, still stopped, once it is seen still holding it."""
    while time.monotonic() < until:
        try:
            inode = lock_file.stat().st_ino
        except OSError:
            time.sleep(0.005)
            continue
        for pid in _lock_holders(inode) & set(workers()):
            os.kill(pid, signal.SIGSTOP)
            if pid in _lock_holders(inode):
                return pid
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.001)
    return None


def kill_and_wait_for_replacement(server: Any, pid: int, fault: Fault, run: Run) -> None:
    before = set(server.worker_pids())
    fault.edits_in_flight = run.edits_in_flight()
    os.kill(pid, signal.SIGKILL)
    fault.at = run.now()
    fault.pid = pid
    killed = time.monotonic()
    while time.monotonic() - killed < 30:
        pids = set(server.worker_pids())
        if pid not in pids and pids - before and len(pids) >= WORKERS:
            fault.replaced_after = time.monotonic() - killed
            return
        time.sleep(0.01)


def inject_faults(server: Any, run: Run, conninfo: str, database: str, lock_file: Path, faults: list[Fault]) -> None:
    """From a quarter of the run, then from two thirds, kill one worker for each fault."""
    first, second = faults
    time.sleep(max(0.0, run.started + SECONDS * 0.25 - time.monotonic()))
    found = stop_worker_in_edit_transaction(conninfo, database, server.worker_pids, run.started + SECONDS * 0.6)
    if found is None:
        first.note = "no edit transaction was caught in the window: no worker killed"
    else:
        first.seen = found[1]
        kill_and_wait_for_replacement(server, found[0], first, run)
    time.sleep(max(0.0, run.started + SECONDS * 0.65 - time.monotonic()))
    pid = stop_worker_holding_index_lock(lock_file, server.worker_pids, run.started + SECONDS * 0.9)
    if pid is None:
        second.note = "no worker was caught holding the index lock in the window: no worker killed"
    else:
        second.seen = "holding the index write lock"
        kill_and_wait_for_replacement(server, pid, second, run)


# Setting up and tearing down.


def postgres_available() -> str | None:
    """None if the server answers and lets us create a database, else why not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect(_conninfo("postgres"), connect_timeout=3, autocommit=True) as conn:
            allowed = conn.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            if not allowed or not allowed[0]:
                return "the PostgreSQL user may not create databases"
    except Exception as error:  # any failure to connect means: skip, and say why
        return f"PostgreSQL does not answer at {POSTGRES_URL.split('@')[-1]}: {str(error).strip() or type(error).__name__}"
    return None


def _conninfo(database: str) -> str:
    """A libpq URL for psycopg (without SQLAlchemy's +psycopg)."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", POSTGRES_URL) + f"/{database}"


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def index_commits(directory: Path) -> int:
    """How many commits the live index generation has had (Whoosh numbers its table of contents files)."""
    generation = (directory / "search-index" / "current").resolve()
    numbers = [int(m.group(1)) for f in generation.glob("_MAIN_*.toc") if (m := re.match(r"_MAIN_(\d+)\.toc$", f.name))]
    return max(numbers, default=0)


def flask_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "wsgi", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )


def print_command(result: subprocess.CompletedProcess[str], command: str) -> None:
    say(f"  $ flask --app wsgi {command}   (exit {result.returncode})")
    for line in (result.stdout + result.stderr).strip().splitlines()[-12:]:
        say(f"    {line}")


# The run.


results: list[tuple[str, bool]] = []


def check(name: str, passed: bool, detail: str = "") -> bool:
    results.append((name, passed))
    say(f"  [{'PASS' if passed else 'FAIL'}] {name}" + (f": {detail}" if detail else ""))
    return passed


def main() -> int:
    say(f"\nCloudstore load and faults benchmark, {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    say(f"Machine: {os.cpu_count()} cores; {load_average()}")
    why_not = postgres_available()
    if why_not:
        say(f"Load and faults bench skipped: {why_not}.")
        return 0
    database = f"cloudstore_bench_{os.getpid()}"
    directory = Path(tempfile.mkdtemp(prefix="cloudstore-load-"))
    env = {
        **instance.environment(directory),
        "DATABASE_URL": f"{POSTGRES_URL}/{database}",
        # Every supplier user asks for a token at the start, all from 127.0.0.1.
        "RATELIMIT_API_TOKEN": "1000 per minute",
    }
    os.environ.update(env)  # before the app's config is imported
    create_database(database)
    say(f"Database {database}, instance {directory}")
    try:
        run_bench(directory, database, env)
    finally:
        if KEEP:
            say(f"Kept {directory} and the database {database} (BENCH_KEEP)")
        else:
            drop_database(database)
            shutil.rmtree(directory, ignore_errors=True)
    failed = [name for name, passed in results if not passed]
    say()
    say(f"Load and faults: {len(results) - len(failed)} checks passed, {len(failed)} failed"
        + (": " + "; ".join(failed) if failed else ""))
    return 1 if failed else 0


def run_bench(directory: Path, database: str, env: dict[str, str]) -> None:
    from tests.bench import http_load

    app = instance.make_app()
    for setting, expected in (("DATABASE_URL", database), ("SEARCH_INDEX_DIR", str(directory))):
        if expected not in app.config[setting]:
            raise RuntimeError(f"{setting} is {app.config[setting]}, not the benchmark's own: refusing to run")
    say(f"\nSeeding the demo data and {SERVICES} services on PostgreSQL ({load_average()})")
    timings = instance.migrate_and_seed(app, directory, SERVICES)
    count, seconds = instance.reindex(app)
    say(f"  migrated in {timings['migrate']:.0f} s, seeded in {timings['seed']:.0f} s, indexed {count} services in {seconds:.0f} s")
    reads, accounts, candidates = plan(app)
    marks = high_water_marks(app)

    conf = "with gunicorn.conf.py" if (ROOT / "gunicorn.conf.py").exists() else "no gunicorn.conf.py"
    say(f"\nStarting gunicorn: {WORKERS} workers on {HOST}, {conf}")
    server = http_load.Gunicorn(directory, workers=WORKERS, env=env)
    try:
        targets = sign_in(server.port, accounts, candidates)
        say(f"  {len(accounts)} supplier users got API tokens through POST /api/v1/tokens; "
            f"{len(targets)} published services of theirs to edit")
        run = Run(server.port, reads, targets, run_key=random.Random().randrange(1000))
        faults = [Fault("worker killed inside an edit's database transaction"),
                  Fault("worker killed while holding the search index write lock")]
        say(f"\nMixed load for {SECONDS:g} s: {READERS} reader connections "
            f"({', '.join(f'{kind} {weight}%' for kind, weight in READ_MIX)}), {EDITORS} editor connections "
            f"(PATCH /api/v1/services/<id>, {EDIT_PAUSE:g} s apart); {load_average()}")
        commits_before = index_commits(directory)
        drive(run, server, database, directory, faults)
        commits = index_commits(directory) - commits_before
        sent = sum(1 for edit in run.edits if edit.outcome != "not sent")
        say(f"  done; {load_average()}")
        say(f"  the workers committed to the search index {commits} times for {sent} edits "
            f"({commits / sent if sent else 0:.1f} per edit: one worker writes at a time, and applies every row waiting)")
        report_throughput(run)
        if FAULTS:
            report_faults(faults, run)
        report_metrics(server)
        pending = outbox_state(app, marks)
    finally:
        server.stop()
    say("\nAfter the run: the search outbox and the index")
    say(f"  outbox rows written during the run: {pending['written']}; not yet applied by this node when the load "
        f"stopped: {pending['pending']} (position {pending['applied']}, newest row {pending['max_id']}, "
        f"{pending['gaps']} ids waiting as gaps)")
    drained = flask_command(env, "search", "drain")
    print_command(drained, "search drain")
    check("flask search drain exits 0", drained.returncode == 0)
    verified = flask_command(env, "search", "verify")
    print_command(verified, "search verify")
    check("flask search verify finds no difference (exit 0)", verified.returncode == 0)
    check_edits(app, run, marks, faults)


def plan(app: Any) -> tuple[dict[str, list[str]], dict[int, str], list[tuple[int, int, int, str]]]:
    """Reader addresses, one supplier user per organisation, and the services that may be edited."""
    import sqlalchemy as sa

    from app.auth.models import User
    from app.catalogue.models import Category, Service
    from app.catalogue.rules import ServiceStatus
    from app.db import get_session
    from app.search.services import all_documents
    from app.timeutil import today
    from tests.bench import workload

    with app.app_context():
        session = get_session()
        documents = list(all_documents(session, today()))
        samples = [workload.Sample.of(document) for document in documents]
        categories = sorted(session.scalars(sa.select(Category.slug)))
        queries = workload.make_queries(samples, categories, 400, MIX_SEED)
        visible_ids = {document.id for document in documents}
        supplier_ids = sorted({document.supplier_id for document in documents})
        users: dict[int, str] = {}
        for organisation_id, email in session.execute(
            sa.select(User.organisation_id, User.email).where(User.organisation_id.in_(supplier_ids)).order_by(User.id)
        ):
            users.setdefault(organisation_id, email)
        candidates = [
            (service.id, service.organisation_id, service.version_number, service.data.get("summary", ""))
            for service in session.scalars(
                sa.select(Service).where(Service.status == ServiceStatus.PUBLISHED.value).order_by(Service.id)
            )
            if service.id in visible_ids and service.organisation_id in users
        ]
    rng = random.Random(MIX_SEED)
    rng.shuffle(candidates)
    reads = {
        "search": [q.url("/services") for q in queries],
        "service page": [f"/services/{service_id}" for service_id in sorted(visible_ids)],
        "supplier page": [f"/suppliers/{supplier_id}" for supplier_id in supplier_ids],
    }
    filtered = sum(q.filter_count > 0 for q in queries)
    say(f"  readers: {len(queries)} search addresses ({filtered} with filters), {len(visible_ids)} service pages, "
        f"{len(supplier_ids)} supplier pages")
    return reads, users, candidates


def sign_in(port: int, accounts: dict[int, str], candidates: list[tuple[int, int, int, str]]) -> list[Target]:
    client = Client(port)
    tokens: dict[int, str] = {}
    for organisation_id, email in accounts.items():
        body = json.dumps({"email": email, "password": DEMO_PASSWORD, "name": "load bench"}).encode()
        status, data = client.request("POST", "/api/v1/tokens", body, {"Content-Type": "application/json"})
        if status != 201:
            raise RuntimeError(f"POST /api/v1/tokens for {email} answered {status}: {data[:200]!r}")
        tokens[organisation_id] = json.loads(data)["token"]
    client.close()
    return [Target(service_id, version, summary, tokens[org]) for service_id, org, version, summary in candidates]


def high_water_marks(app: Any) -> dict[str, int]:
    """The highest id of each table the edits write, before the run: what is above was written by it."""
    import sqlalchemy as sa

    from app.audit.models import AuditEvent
    from app.catalogue.models import ServiceVersion
    from app.db import get_session
    from app.search.models import SearchOutboxRow

    with app.app_context():
        session = get_session()
        return {
            name: session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) or 0
            for name, model in (("versions", ServiceVersion), ("audit", AuditEvent), ("outbox", SearchOutboxRow))
        }


def drive(run: Run, server: Any, database: str, directory: Path, faults: list[Fault]) -> None:
    run.started = time.monotonic()
    run.deadline = run.started + SECONDS
    threads = [threading.Thread(target=run.reader, args=(MIX_SEED + n,)) for n in range(READERS)]
    threads += [threading.Thread(target=run.editor, args=(n,)) for n in range(EDITORS)]
    if FAULTS:
        lock_file = (directory / "search-index" / "current").resolve() / "MAIN_WRITELOCK"
        threads.append(threading.Thread(
            target=inject_faults, args=(server, run, _conninfo(database), database, lock_file, faults), daemon=True
        ))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, run.deadline - time.monotonic() + 90))
    run.elapsed = time.monotonic() - run.started


def report_throughput(run: Run) -> None:
    from tests.bench.workload import percentile

    elapsed = run.elapsed
    by_kind: dict[str, list[Answer]] = defaultdict(list)
    for answer in run.answers:
        by_kind[answer.kind].append(answer)
    say(f"\nThroughput and latency over {elapsed:.1f} s (latency of every request that got an answer)")
    say(f"  {'kind':<14} {'requests':>8} {'per s':>7} {'p50':>8} {'p99':>8}  errors")
    total = 0
    for kind in [k for k, _ in READ_MIX] + ["edit"]:
        answers = by_kind.get(kind, [])
        total += len(answers)
        answered = [a.seconds for a in answers if a.status is not None]
        errors = Counter("no answer" if a.status is None else str(a.status) for a in answers if a.status is None or a.status >= 400)
        say(f"  {kind:<14} {len(answers):>8} {len(answers) / elapsed:>7.1f} {ms(percentile(answered, 50)):>8} "
            f"{ms(percentile(answered, 99)):>8}  {', '.join(f'{n} x {s}' for s, n in sorted(errors.items())) or 'none'}")
    everything = [a.seconds for a in run.answers if a.status is not None]
    say(f"  {'all':<14} {total:>8} {total / elapsed:>7.1f} {ms(percentile(everything, 50)):>8} {ms(percentile(everything, 99)):>8}")
    if run.ran_out:
        say(f"  (the editors used every one of the {len(run.fresh)} services and stopped early: "
            "raise BENCH_LOAD_SERVICES or BENCH_LOAD_EDIT_PAUSE)")


def report_faults(faults: list[Fault], run: Run) -> None:
    say("\nFaults")
    for n, fault in enumerate(faults, 1):
        if fault.pid is None:
            say(f"  {n}. {fault.name}: {fault.note}")
            continue
        replaced = f"replaced by gunicorn after {fault.replaced_after:.1f} s" if fault.replaced_after is not None else "NOT replaced within 30 s"
        say(f"  {n}. {fault.name}: SIGKILL to worker {fault.pid} at {fault.at:.1f} s ({fault.seen}); {replaced}; "
            f"edits in flight: {len(fault.edits_in_flight)}")
    check("every killed worker was replaced", all(f.pid is None or f.replaced_after is not None for f in faults))
    if faults[0].pid is None:
        say("  (the first fault was not injected, so the run says nothing about a kill inside a transaction)")


def report_metrics(server: Any) -> None:
    """What /metrics counted across the workers, if the app has it (the observability work)."""
    try:
        status, body = server.get("/metrics")
    except OSError as error:
        say(f"\n/metrics: no answer ({error})")
        return
    if status != 200:
        say(f"\n/metrics: answered {status}, so no request counts from the app")
        return
    totals: dict[str, float] = defaultdict(float)
    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if "request" in name and (name.endswith("_total") or name.endswith("_count")):
            try:
                totals[name] += float(line.rsplit(" ", 1)[1])
            except ValueError:
                continue
    say("\n/metrics (summed over every label, across workers)")
    for name, value in sorted(totals.items()):
        say(f"  {name}: {value:.0f}")
    if not totals:
        say("  no request counter found")


def outbox_state(app: Any, marks: dict[str, int]) -> dict[str, int]:
    """How far this node's index had applied the outbox when the load stopped."""
    import sqlalchemy as sa

    from app.db import get_session
    from app.search import get_index
    from app.search.models import SearchOutboxRow
    from app.search.services import outbox_max_id

    with app.app_context():
        session = get_session()
        position = get_index(app).read_position()

        def rows_after(row_id: int) -> int:
            return session.scalar(sa.select(sa.func.count()).where(SearchOutboxRow.id > row_id)) or 0

        return {
            "written": rows_after(marks["outbox"]),
            "pending": rows_after(position.applied),
            "applied": position.applied,
            "max_id": outbox_max_id(session),
            "gaps": len(position.gaps),
        }


def check_edits(app: Any, run: Run, marks: dict[str, int], faults: list[Fault]) -> None:
    """Every edit tried, whatever its answer: all of it in the database and the index, or none of it."""
    import sqlalchemy as sa

    from app.audit.models import AuditEvent
    from app.catalogue.models import Service, ServiceVersion
    from app.db import get_session
    from app.search import get_index
    from app.search.index import SearchQuery
    from app.search.models import SearchOutboxRow
    from app.timeutil import today

    edits = [edit for edit in run.edits if edit.outcome != "not sent"]
    per_service: dict[int, list[Edit]] = defaultdict(list)
    for edit in edits:
        per_service[edit.service_id].append(edit)  # in order: one editor edits a service, one edit at a time
    with app.app_context():
        session = get_session()
        versions: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for service_id, number, data in session.execute(
            sa.select(ServiceVersion.service_id, ServiceVersion.number, ServiceVersion.data)
            .where(ServiceVersion.id > marks["versions"]).order_by(ServiceVersion.id)
        ):
            versions[service_id].append((number, str(data.get("summary", "")).lower()))
        audits: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
        for object_id, after in session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.after).where(
                AuditEvent.id > marks["audit"], AuditEvent.object_type == "services", AuditEvent.action == "service.edited"
            )
        ):
            audits[int(object_id)].append(((after or {}).get("version"), str((after or {}).get("summary", "")).lower()))
        outbox: dict[int, list[str]] = defaultdict(list)
        outbox_ids: list[int] = []
        for row_id, service_id, reason in session.execute(
            sa.select(SearchOutboxRow.id, SearchOutboxRow.service_id, SearchOutboxRow.reason).where(SearchOutboxRow.id > marks["outbox"])
        ):
            outbox[service_id].append(reason)
            outbox_ids.append(row_id)
        current = {
            service_id: (number, str(data.get("summary", "")).lower())
            for service_id, number, data in session.execute(
                sa.select(Service.id, Service.version_number, Service.data).where(Service.id.in_(list(per_service)))
            )
        }
        index = get_index(app)
        position = index.read_position()
        indexed = dict(index.indexed_versions(today=today()))

        def found_by(word: str) -> list[int]:
            return [hit.id for hit in index.search(SearchQuery(q=word, today=today())).hits]

        tally: Counter[str] = Counter()
        half_applied: list[tuple[Edit, str]] = []
        lost: list[Edit] = []
        index_wrong: list[str] = []
        applied_by_number: dict[int, bool] = {}
        for service_id, tried in per_service.items():
            applied_versions: list[tuple[Edit, int]] = []
            for edit in tried:
                version = next((n for n, summary in versions.get(service_id, []) if edit.word in summary), None)
                audit = next((n for n, summary in audits.get(service_id, []) if edit.word in summary), None)
                applied = version is not None
                applied_by_number[edit.number] = applied and audit == version
                if (version is None) != (audit is None) or (applied and audit != version):
                    half_applied.append((edit, f"version {version}, audit event for version {audit}"))
                    continue
                tally[f"{edit.outcome}, {'applied' if applied else 'not applied'}"] += 1
                if applied:
                    applied_versions.append((edit, version))
                elif edit.outcome == "ok":
                    lost.append(edit)
            # The outbox row is written in the same transaction as each version.
            if len(outbox.get(service_id, [])) != len(versions.get(service_id, [])):
                half_applied.append((tried[-1], f"{len(versions.get(service_id, []))} new versions but "
                                                f"{len(outbox.get(service_id, []))} outbox rows"))
            if not applied_versions:
                if current[service_id][0] != tried[0].version_before:
                    half_applied.append((tried[0], f"no edit applied, yet the service is at version {current[service_id][0]}"))
                continue
            latest, number = max(applied_versions, key=lambda pair: pair[1])
            if current[service_id][0] != number or latest.word not in current[service_id][1]:
                half_applied.append((latest, f"the service's working copy is not its latest version {number}"))
            if indexed.get(service_id) != number:
                index_wrong.append(f"service {service_id}: index has version {indexed.get(service_id)}, database {number}")
            if found_by(latest.word) != [service_id]:
                index_wrong.append(f"service {service_id}: its word {latest.word} finds {found_by(latest.word)}")
            for older, _ in applied_versions:
                if older is not latest and service_id in found_by(older.word):
                    index_wrong.append(f"service {service_id}: the replaced word {older.word} still finds it")
        stray = sum(len(v) for s, v in versions.items() if s not in per_service)
        unapplied = [r for r in outbox_ids if r > position.applied or r in position.gaps]
        never_committed = set(range(marks["outbox"] + 1, max(outbox_ids, default=marks["outbox"]) + 1)) - set(outbox_ids)

    repeated = sum(1 for tried in per_service.values() if len(tried) > 1)
    say(f"\nEdits: {len(edits)} sent to {len(per_service)} services ({repeated} of them edited again and again), "
        "as the clients saw them and as the database and index have them")
    for key in sorted(tally):
        say(f"  {key}: {tally[key]}")
    for n, fault in enumerate(faults, 1):
        if fault.pid is not None:
            outcomes = [f"{run.edits[i].outcome}, {'applied' if applied_by_number.get(i) else 'not applied'}"
                        for i in fault.edits_in_flight]
            say(f"  in flight at fault {n}: " + ("; ".join(outcomes) or "none"))
    check("no edit half-applied: working copy, version, audit event and outbox row all there, or none",
          not half_applied, "; ".join(f"service {e.service_id} ({e.outcome}): {why}" for e, why in half_applied[:5]))
    check("every edit answered 200 is in the database", not lost, ", ".join(f"service {e.service_id}" for e in lost[:10]))
    check(f"the index has each edited service at its latest version, found by that edit's word and not by "
          f"replaced ones ({sum(applied_by_number.values())} edits applied, {tally['ok, applied']} answered 200)",
          not index_wrong, "; ".join(index_wrong[:5]))
    check("no version was written for a service nobody edited", stray == 0, f"{stray} stray versions")
    check(f"every outbox row written during the run was applied ({len(outbox_ids)} rows, node position {position.applied})",
          not unapplied, f"{len(unapplied)} rows after the position or waiting as gaps")
    say(f"  outbox ids allocated but never committed (rolled-back transactions, e.g. the killed worker's): "
        f"{len(never_committed)}; ids still retried as gaps: {len(position.gaps)}")


if __name__ == "__main__":
    sys.exit(main())
