"""The Whoosh search index: the only module that imports Whoosh.

Whoosh finds the documents that match the words and scores the page shown;
everything else (filters, facet counts, sorting, the total) is done on numpy
arrays built once per searcher generation, which is what makes a search with
facets fast. Two Whoosh bugs are designed around (see the stack notes):
``Searcher.refresh()`` returns duplicates, so a changed index gets a new
searcher; and ``len(results)`` undercounts with a ConstantScoreQuery filter,
so totals are counted on our own arrays.

Layout on disk: ``<dir>/generations/<name>/`` holds an index and
``<dir>/current`` is a symlink to the live one, so a rebuild happens beside
it and is swapped in atomically (a killed rebuild leaves the old one alone).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import analysis, columns, fields, index, scoring, writing
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.index import LockError
from whoosh.support import levenshtein
from whoosh.util.numeric import byte_to_length

from app.search.index import (
    LOCATIONS_ACCEPTED,
    IndexChange,
    SearchHit,
    SearchPage,
    SearchQuery,
    ServiceDocument,
)

TEXT_FIELDS = ("name", "summary", "body", "meta")
FACET_FIELDS = ("lot", "categories", "org_types", "data_location", "certifications")
MAX_WORDS = 12
MAX_QUERY_CHARS = 200
POSTINGS_CACHE_TERMS = 20_000
REBUILD_PROCS = min(2, os.cpu_count() or 1)
# Memory for each rebuild process's postings before it sorts them into runs on disk.
# 50,000 services make about 8 million postings; with 768 MB each of two processes
# sorts its half in memory (about 1 GB resident at the peak) instead of spilling
# and merging runs, which made a rebuild half as fast again.
REBUILD_LIMIT_MB = 768
FOREVER = 10**9
TURN_LOCK = "TURNLOCK"  # held by the node's one writer at a time, for a whole batch (see WhooshIndex.writing)
OPEN_ATTEMPTS = 5  # see WhooshIndex._open
POSITION_FILE = "outbox-position.json"


@dataclass(frozen=True)
class Position:
    """How far this node's index has applied the outbox: every row up to ``applied``, except the
    ``gaps`` (ids not yet committed when seen, with the time first seen), which are retried."""

    applied: int = 0
    gaps: dict[int, float] = field(default_factory=dict)


class IndexUnavailable(Exception):
    """The index is locked by another writer or cannot be opened; the change waits in the outbox."""


class IndexBusy(IndexUnavailable):
    """Another writer holds the index's write lock (it is most likely applying the same rows)."""


def _analyzer() -> analysis.Analyzer:
    # English stemming so "hosted" finds "hosting"; accents folded so "cafe" finds "café".
    return analysis.StemmingAnalyzer() | analysis.CharsetFilter(_ACCENT_MAP)


_ACCENT_MAP: dict[int, str] = {}
try:  # the accent folding table ships with Whoosh
    from whoosh.support.charset import accent_map as _whoosh_accent_map

    _ACCENT_MAP = _whoosh_accent_map
except ImportError:  # pragma: no cover
    pass

ANALYZER = _analyzer()
SPELLING = analysis.StandardAnalyzer(stoplist=None)


def make_schema() -> fields.Schema:
    # Only what a search reads is indexed. Text fields keep term frequencies but no
    # positions (no phrase queries: words are matched one by one), and the numbers
    # are columns, not terms: filters, sorting and ranking read them as arrays.
    # Both make a rebuild about twice as fast and the index about five times smaller.
    return fields.Schema(
        id=fields.ID(unique=True),
        sid=_number_column(),
        version=fields.STORED(),
        name=fields.TEXT(analyzer=ANALYZER, stored=True, field_boost=3.0, phrase=False),
        summary=fields.TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0, phrase=False),
        body=fields.TEXT(analyzer=ANALYZER, phrase=False),
        meta=fields.TEXT(analyzer=ANALYZER, field_boost=1.5, phrase=False),
        spelling=fields.TEXT(analyzer=SPELLING, phrase=False),
        lot=fields.ID(),
        categories=fields.KEYWORD(commas=True),
        org_types=fields.KEYWORD(commas=True),
        data_location=fields.ID(),
        certifications=fields.KEYWORD(commas=True),
        free_trial=fields.ID(),
        price=_number_column(),
        updated=_number_column(),
        tiebreak=_number_column(),
        visible_until=_number_column(),
        name_key=fields.COLUMN(columns.VarBytesColumn()),
    )


def _number_column() -> fields.COLUMN:
    return fields.COLUMN(columns.NumericColumn("q"))


def tiebreak(service_id: int) -> int:
    """A stable, fair order among equally relevant services: a hash of the id, not insertion order."""
    return int.from_bytes(hashlib.sha256(f"cloudstore-service-{service_id}".encode()).digest()[:6], "big")


def _fields(doc: ServiceDocument, schema: fields.Schema | None = None) -> dict[str, Any]:
    """The values Whoosh indexes for a document, in the index's ``schema`` (an index written
    before the numbers became columns keeps its own schema until it is rebuilt)."""
    name_key = unicodedata.normalize("NFKD", doc.name).casefold()[:200]
    old_schema = schema is not None and not isinstance(schema["name_key"], fields.COLUMN)
    return {
        "id": str(doc.id),
        "sid": doc.id,
        "version": doc.version,
        "name": doc.name,
        "summary": doc.summary,
        "body": "\n".join([doc.description, *doc.features, *doc.benefits]),
        "meta": "\n".join([doc.lot_name, *doc.category_names, doc.supplier_name]),
        "spelling": "\n".join([doc.name, doc.summary, *doc.features, *doc.category_names, doc.supplier_name]),
        "lot": doc.lot,
        "categories": ",".join(doc.categories),
        "org_types": ",".join(doc.org_types),
        "data_location": doc.data_location,
        "certifications": ",".join(doc.certifications),
        "free_trial": "yes" if doc.free_trial else "no",
        "price": doc.price_pence,
        "updated": int(doc.updated.timestamp()),
        "tiebreak": tiebreak(doc.id),
        "visible_until": doc.visible_until.toordinal() if doc.visible_until else FOREVER,
        "name_key": name_key if old_schema else name_key.encode(),
    }


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def query_words(raw: str) -> list[str]:
    """The words of a search box entry, as plain words: quotes, brackets, operators and wildcards
    mean nothing here, so no input can be malformed."""
    text = _CONTROL.sub(" ", raw or "")[:MAX_QUERY_CHARS]
    words = re.findall(r"\w+", text, flags=re.UNICODE)
    operators = {"and", "or", "not", "to"}
    seen: list[str] = []
    for word in words:
        if word.lower() in operators and len(words) > 1:
            continue
        if word.lower() not in seen:
            seen.append(word.lower())
    return seen[:MAX_WORDS]


def _terms(word: str) -> list[str]:
    return [token.text for token in ANALYZER(word)]


class _Segment:
    """Arrays for one immutable Whoosh segment, cached across searcher generations.

    A commit adds a small segment (or merges small ones), so after a publish
    only the new segment's arrays are built: the big one is reused.
    """

    def __init__(self, leaf: Any) -> None:
        self.size = leaf.doc_count_all()
        self.sid = _leaf_column(leaf, "sid", self.size)
        self.price = _leaf_column(leaf, "price", self.size)
        self.updated = _leaf_column(leaf, "updated", self.size)
        self.tiebreak = _leaf_column(leaf, "tiebreak", self.size)
        self.visible_until = _leaf_column(leaf, "visible_until", self.size)
        self.lengths = {name: _leaf_lengths(leaf, name, self.size) for name in TEXT_FIELDS}
        self.masks: dict[str, dict[str, np.ndarray]] = {}
        self.postings: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.name_keys: list[str] | None = None
        self.spelling_words: dict[str, float] | None = None
        self.lock = threading.Lock()

    def facet_masks(self, leaf: Any, fieldname: str) -> dict[str, np.ndarray]:
        with self.lock:
            if fieldname not in self.masks:
                result: dict[str, np.ndarray] = {}
                for raw in leaf.lexicon(fieldname):
                    term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    mask = np.zeros(self.size, dtype=bool)
                    mask[_read_postings(leaf, fieldname, raw)[0]] = True
                    result[term] = mask
                self.masks[fieldname] = result
            return self.masks[fieldname]

    def term_postings(self, leaf: Any, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and weights (term frequency times field boost) of one term, cached (LRU)."""
        key = (fieldname, text)
        with self.lock:
            cached = self.postings.get(key)
            if cached is not None:
                self.postings.move_to_end(key)
                return cached
        result = _read_postings(leaf, fieldname, text)
        with self.lock:
            self.postings[key] = result
            while len(self.postings) > POSTINGS_CACHE_TERMS:
                self.postings.popitem(last=False)
        return result

    def spelling(self, leaf: Any) -> dict[str, float]:
        """The spelling words of this segment with their frequencies (what Whoosh's corrector ranks by)."""
        with self.lock:
            if self.spelling_words is None:
                words = leaf.iter_field("spelling")
                self.spelling_words = {text.decode("utf-8"): info.weight() for text, info in words}
            return self.spelling_words

    def names(self, leaf: Any) -> list[str]:
        with self.lock:
            if self.name_keys is None:
                column = leaf.column_reader("name_key")
                keys = [column[d] for d in range(self.size)]
                self.name_keys = [k.decode("utf-8") if isinstance(k, bytes) else k for k in keys]
            return self.name_keys


_NO_POSTINGS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def _read_postings(leaf: Any, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
    """All postings of a term in one segment, deleted documents included (the live mask excludes
    them), as (document numbers, weights): one array copy per block of postings, not per posting."""
    if (fieldname, text) not in leaf:
        return _NO_POSTINGS
    # The raw matcher, without the filter that skips deleted documents one at a time.
    matcher = leaf._terms.matcher(fieldname, leaf._text_to_bytes(fieldname, text), leaf.schema[fieldname].format)
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while matcher.is_active():
            # One block at a time, through Whoosh's private block reader (whoosh3 is pinned
            # exactly): a block stores its document numbers as differences from the previous
            # one, which a cumulative sum decodes at once (Whoosh decodes them one by one).
            if matcher._data is None:
                matcher._read_data()
            if matcher._weights is None:
                matcher._read_weights()
            ids.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64))[matcher._i :])
            weights.append(np.asarray(matcher._weights, dtype=np.float32)[matcher._i :])
            matcher._i = matcher._blocklength - 1
            matcher.next()  # on to the next block
    else:  # a term with few postings keeps them inline, in a list matcher
        pairs = []
        while matcher.is_active():
            pairs.append((matcher.id(), matcher.weight()))
            matcher.next()
        ids.append(np.array([p[0] for p in pairs], dtype=np.int64))
        weights.append(np.array([p[1] for p in pairs], dtype=np.float32))
    if not ids:
        return _NO_POSTINGS
    return np.concatenate(ids), np.concatenate(weights)


def _leaf_column(leaf: Any, name: str, size: int) -> np.ndarray:
    """A number column of one segment as an array, read in one piece where the column allows."""
    fieldobj = leaf.schema[name]
    if isinstance(fieldobj, fields.COLUMN) and leaf._perdoc.has_column(name):
        values = _fixed_column(leaf._perdoc.column_reader(name, fieldobj.column_type), ">i8", size)
        if values is not None:
            return values.astype(np.int64)
    column = leaf.column_reader(name)  # an index from before the numbers were columns: one value at a time
    return np.array([column[d] for d in range(size)], dtype=np.int64)


def _fixed_column(reader: Any, dtype: str, size: int) -> np.ndarray | None:
    """The values of a fixed-width numeric column (None if the reader is not one): the stored
    values, then the column's default for documents after the last value written."""
    try:
        count, width, default = reader._count, reader._fixedlen, reader._default
        raw = reader._dbfile.get(reader._basepos, count * width)
    except AttributeError:
        return None
    values = np.full(size, default, dtype=dtype)
    values[: min(count, size)] = np.frombuffer(raw, dtype=dtype)[:size]
    return values


# The length of a field is stored as one byte per document (Whoosh's lossy length
# encoding); BM25F uses the decoded value, so the array holds exactly what
# doc_field_length() returns (0 where Whoosh has no length).
_BYTE_TO_LENGTH = np.array([0.0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float32)


def _leaf_lengths(leaf: Any, fieldname: str, size: int) -> np.ndarray:
    """A text field's length in every document of one segment, as BM25F reads it."""
    lenfield = f"_{fieldname}_len"  # the column in which the W3 codec keeps a field's lengths
    if not leaf._perdoc.has_column(lenfield):
        return np.zeros(size, dtype=np.float32)  # no document has this field
    codes = _fixed_column(leaf._perdoc.column_reader(lenfield, LENGTHS_COLUMN), "u1", size)
    if codes is None:
        return np.array([leaf.doc_field_length(d, fieldname) or 0 for d in range(size)], dtype=np.float32)
    return _BYTE_TO_LENGTH[codes]


@dataclass
class _State:
    """One searcher generation: its segments (shared with other generations) laid end to end."""

    searcher: Any
    key: str
    leaves: list[tuple[Any, int, _Segment]]
    live: np.ndarray
    sid: np.ndarray
    price: np.ndarray
    tiebreak: np.ndarray
    updated: np.ndarray
    visible_until: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)
    _masks: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    _orders: dict[str, np.ndarray] = field(default_factory=dict)
    _lengths: dict[str, np.ndarray] = field(default_factory=dict)
    _speller: _Speller | None = None

    @property
    def size(self) -> int:
        return int(self.live.shape[0])

    def masks(self, fieldname: str) -> dict[str, np.ndarray]:
        """One boolean array per value of a filter field (live documents only)."""
        with self.lock:
            if fieldname not in self._masks:
                values: set[str] = set()
                per_leaf = [(segment.facet_masks(leaf, fieldname), segment.size) for leaf, _, segment in self.leaves]
                for masks, _ in per_leaf:
                    values |= set(masks)
                self._masks[fieldname] = {
                    value: np.concatenate([masks.get(value, np.zeros(size, dtype=bool)) for masks, size in per_leaf] or [np.zeros(0, dtype=bool)])
                    & self.live
                    for value in values
                }
            return self._masks[fieldname]

    def speller(self) -> _Speller:
        with self.lock:
            if self._speller is None:
                frequencies: dict[str, float] = {}
                for leaf, _, segment in self.leaves:
                    for word, frequency in segment.spelling(leaf).items():
                        frequencies[word] = frequencies.get(word, 0.0) + frequency
                self._speller = _Speller(frequencies)
            return self._speller

    def lengths(self, fieldname: str) -> np.ndarray:
        with self.lock:
            if fieldname not in self._lengths:
                self._lengths[fieldname] = np.concatenate([segment.lengths[fieldname] for _, _, segment in self.leaves] or [np.zeros(0, dtype=np.float32)])
            return self._lengths[fieldname]

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        parts = [segment.term_postings(leaf, fieldname, text) for leaf, _, segment in self.leaves]
        offsets = [offset for _, offset, _ in self.leaves]
        ids = np.concatenate([p[0] + o for p, o in zip(parts, offsets, strict=True)] or [np.zeros(0, dtype=np.int64)])
        weights = np.concatenate([p[1] for p in parts] or [np.zeros(0, dtype=np.float32)])
        return ids, weights

    def order(self, sort: str) -> np.ndarray:
        """Document numbers in the order of a sort, ties broken by the id hash."""
        with self.lock:
            if sort not in self._orders:
                if sort == "relevance":
                    keys: tuple[np.ndarray, ...] = (self.tiebreak,)
                elif sort == "price_asc":
                    keys = (self.tiebreak, self.price)
                elif sort == "price_desc":
                    keys = (self.tiebreak, -self.price)
                elif sort == "updated":
                    keys = (self.tiebreak, -self.updated)
                elif sort == "name":
                    names: list[str] = []
                    for leaf, _, segment in self.leaves:
                        names.extend(segment.names(leaf))
                    rank = np.empty(self.size, dtype=np.int64)
                    rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(self.size)
                    keys = (self.tiebreak, rank)
                else:
                    raise ValueError(sort)
                self._orders[sort] = np.lexsort(keys)
            return self._orders[sort]


class IndexBatch:
    """One writer's turn at the index (see WhooshIndex.writing): the position as it stands, and at
    most one commit of changes followed by the position they reach."""

    def __init__(self, owner: WhooshIndex, ix: Any, writer: Any, generation: Path) -> None:
        self._owner = owner
        self._ix = ix
        self._writer = writer
        self._generation = generation
        self.done = False

    @property
    def position(self) -> Position:
        """The position recorded with the generation this batch writes (a rebuild may swap in another)."""
        return self._owner.read_position(self._generation)

    def apply(self, changes: Iterable[IndexChange], *, position: Position | None = None) -> int:
        if self.done:
            raise RuntimeError("A batch is applied once")
        self.done = True
        changes = list(changes)
        if changes:
            try:
                for change in changes:
                    self._writer.delete_by_term("id", str(change.service_id))
                    if change.document is not None:
                        self._writer.add_document(**_fields(change.document, self._ix.schema))
            except BaseException:
                self._writer.cancel()
                raise
            # Merging small segments only keeps commits quick; a big merge can take a minute.
            self._writer.commit(mergetype=writing.MERGE_SMALL)
        else:
            self._writer.cancel()  # nothing to commit
        if position is not None:
            self._owner._write_position(self._generation, position)
        return len(changes)


class WhooshIndex:
    """The search index of one node, in its own directory."""

    def __init__(self, directory: str | os.PathLike[str], *, write_timeout: float = 2.0) -> None:
        self.directory = Path(directory)
        self.write_timeout = write_timeout
        self._state: _State | None = None
        self._state_lock = threading.Lock()
        self._segments: dict[str, _Segment] = {}

    # Layout

    @property
    def current(self) -> Path:
        return self.directory / "current"

    def generation_dir(self) -> Path:
        return self.current.resolve()

    def exists(self) -> bool:
        # A table of contents is there (listing the directory, not reading it: a commit in another
        # worker may replace the file between the two).
        return self.current.is_dir() and any(self.current.glob("_MAIN_*.toc"))  # Whoosh's default index name

    def ensure(self) -> None:
        """Create an empty index if this node has none yet."""
        if not self.exists():
            self._swap_in(self._new_generation())

    def _new_generation(self) -> Path:
        generations = self.directory / "generations"
        generations.mkdir(parents=True, exist_ok=True)
        path = generations / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        path.mkdir()
        index.create_in(str(path), make_schema())
        return path

    def _swap_in(self, generation: Path) -> None:
        link = self.directory / f".current-{os.getpid()}-{time.monotonic_ns()}"
        os.symlink(Path("generations") / generation.name, link)
        os.replace(link, self.current)  # atomic: searchers see the old or the new index, never neither
        self._remove_old_generations(keep=generation)

    def _remove_old_generations(self, keep: Path) -> None:
        # Old generations may still be open in other workers; remove them after a grace period.
        cutoff = time.time() - 600
        for path in (self.directory / "generations").iterdir():
            if path != keep and path.stat().st_mtime < cutoff:
                shutil.rmtree(path, ignore_errors=True)

    def _open(self, then: Callable[[Any], Any] = lambda ix: ix) -> Any:
        """Open the index (and ``then`` whatever else is read from it, e.g. a searcher's segments).

        Another worker's commit replaces the table of contents and deletes merged segments, so a
        file listed a moment ago can be gone when it is read: that is retried on the newer files.
        """
        for attempt in range(OPEN_ATTEMPTS):
            try:
                return then(index.open_dir(str(self.current)))
            except FileNotFoundError as error:
                if attempt + 1 == OPEN_ATTEMPTS or not self.current.is_dir():
                    raise IndexUnavailable(f"The search index at {self.current} cannot be opened: {error}") from error
                time.sleep(0.01 * (attempt + 1))
            except Exception as error:  # EmptyIndexError, a broken symlink, damaged files
                raise IndexUnavailable(f"The search index at {self.current} cannot be opened: {error}") from error
        raise AssertionError("unreachable")

    # Writing

    def read_position(self, generation: Path | None = None) -> Position:
        """This node's place in the outbox (kept with the index generation it describes: the current one
        unless ``generation`` is given)."""
        try:
            data = json.loads(((generation or self.generation_dir()) / POSITION_FILE).read_text())
        except (OSError, ValueError):
            return Position()
        return Position(int(data.get("applied", 0)), {int(k): float(v) for k, v in data.get("gaps", {}).items()})

    @staticmethod
    def _write_position(generation: Path, position: Position) -> None:
        temporary = generation / f"{POSITION_FILE}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps({"applied": position.applied, "gaps": {str(k): v for k, v in position.gaps.items()}}))
        os.replace(temporary, generation / POSITION_FILE)

    def apply(self, changes: Iterable[IndexChange], *, position: Position | None = None) -> int:
        """Upsert and remove documents in one commit, then record the outbox position they reach.

        Raises IndexUnavailable if another writer holds the lock; the caller's
        outbox rows then simply wait for the next attempt.
        """
        with self.writing() as batch:
            return batch.apply(changes, position=position)

    @contextmanager
    def writing(self, *, wait: bool = True) -> Iterator[IndexBatch]:
        """This node's turn at writing: what is read under it (the outbox position above all) cannot be
        overtaken by another worker's write before the batch's own position is recorded.

        Whoosh's write lock is released by its commit, before the position can be written after it, so
        a lock of our own (a file beside the index's) covers the whole turn. Waits up to
        ``write_timeout`` for both (``wait=False``: not at all) and raises IndexBusy if another writer
        keeps them. Nothing is written unless the batch is applied.
        """
        generation = self.generation_dir()
        ix = self._open()
        timeout = self.write_timeout if wait else 0.0
        turn = ix.storage.lock(TURN_LOCK)
        deadline = time.monotonic() + timeout
        while not turn.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise IndexBusy("The search index is being written by another process")
            time.sleep(0.02)
        try:
            try:
                writer = ix.writer(timeout=max(0.0, deadline - time.monotonic()))
            except LockError as error:
                raise IndexBusy("The search index is being written by another process") from error
            batch = IndexBatch(self, ix, writer, generation)
            try:
                yield batch
            finally:
                if not batch.done:
                    writer.cancel()  # releases Whoosh's lock
        finally:
            turn.release()

    def rebuild(
        self,
        documents: Iterable[ServiceDocument],
        *,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
        position: Position | None = None,
    ) -> int:
        """Build a complete new index beside the live one, then swap it in atomically."""
        generation = self._new_generation()
        ix = index.open_dir(str(generation))
        # A big rebuild uses two processes, each writing its own segment (the search
        # state is per segment anyway); a small one is quicker without the fork.
        procs = REBUILD_PROCS if (total or 0) >= 5000 else 1
        writer = ix.writer(procs=procs, limitmb=REBUILD_LIMIT_MB, multisegment=procs > 1)
        count = 0
        try:
            for document in documents:
                writer.add_document(**_fields(document, ix.schema))
                count += 1
                if progress and count % 500 == 0:
                    progress(500)
        except BaseException:
            writer.cancel()
            shutil.rmtree(generation, ignore_errors=True)
            raise
        writer.commit()
        if progress:
            progress(count % 500)
        self._write_position(generation, position or Position())
        self.directory.mkdir(parents=True, exist_ok=True)
        self._swap_in(generation)
        return count

    def optimize(self) -> None:
        ix = self._open()
        ix.optimize()

    # Reading

    def _searcher_state(self) -> _State:
        """A long-lived searcher, replaced (never refreshed) when the index on disk changes."""
        state = self._state
        generation = str(self.generation_dir())
        if state is not None and state.key == generation and state.searcher.up_to_date():
            return state
        with self._state_lock:
            state = self._state
            if state is not None and state.key == generation and state.searcher.up_to_date():
                return state
            self._state = self._open(lambda ix: self._build_state(ix.searcher(), generation))
            return self._state

    def _build_state(self, searcher: Any, generation: str) -> _State:
        reader = searcher.reader()
        leaves = [(reader, 0)] if reader.is_atomic() else list(reader.leaf_readers())
        leaves = [(leaf, offset) for leaf, offset in leaves if leaf.segment() is not None]  # an empty index has none
        segments: dict[str, _Segment] = {}
        parts: list[tuple[Any, int, _Segment]] = []
        live_parts = []
        for leaf, offset in leaves:
            segment_key = f"{generation}/{leaf.segment().segment_id()}"
            segment = self._segments.get(segment_key) or _Segment(leaf)
            segments[segment_key] = segment
            parts.append((leaf, offset, segment))
            live = np.ones(segment.size, dtype=bool)
            if leaf.has_deletions():
                live[np.fromiter(leaf.deleted_docs_set, dtype=np.int64)] = False
            live_parts.append(live)
        self._segments = segments  # segments no longer in the index are dropped

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(seg, name) for _, _, seg in parts] or [np.zeros(0, dtype=np.int64)])

        return _State(
            searcher=searcher,
            key=generation,
            leaves=parts,
            live=np.concatenate(live_parts or [np.zeros(0, dtype=bool)]),
            sid=joined("sid"),
            price=joined("price"),
            tiebreak=joined("tiebreak"),
            updated=joined("updated"),
            visible_until=joined("visible_until"),
        )

    def indexed_versions(self, today: date | None = None) -> Iterator[tuple[int, int]]:
        """(service id, version) of every document a search can return (on ``today``, if given)."""
        state = self._searcher_state()
        visible = state.live if today is None else state.live & (state.visible_until > today.toordinal())
        for docnum in np.flatnonzero(visible):
            yield int(state.sid[docnum]), int(state.searcher.stored_fields(int(docnum))["version"])

    def doc_count(self) -> int:
        return int(self._searcher_state().live.sum())

    def search(self, search_query: SearchQuery) -> SearchPage:
        state = self._searcher_state()
        words = query_words(search_query.q)
        terms = [t for w in words for t in _terms(w)]
        if terms:
            matched, scores = _match_and_score(state, words)
        else:
            matched, scores = state.live, None
        if search_query.today is not None:
            # An accreditation lapses on its expiry date, whether or not anything has rewritten the index.
            matched = matched & (state.visible_until > search_query.today.toordinal())

        # The price and free-trial filters have no counts of their own: they narrow every group's counts.
        if search_query.price_max_pence is not None:
            matched = matched & (state.price <= search_query.price_max_pence)
        if search_query.free_trial:
            matched = matched & state.masks("free_trial").get("yes", np.zeros(state.size, dtype=bool))

        groups = _filter_masks(state, search_query)
        facets = _facet_counts(state, matched, groups)
        final = matched.copy()
        for mask in groups.values():
            final &= mask
        total = int(np.count_nonzero(final))

        start = (max(search_query.page, 1) - 1) * search_query.per_page
        end = start + search_query.per_page
        if start >= total:
            chosen = np.zeros(0, dtype=np.int64)
        elif scores is not None and search_query.sort == "relevance":
            candidates = np.flatnonzero(final)
            # Highest score first; equal scores in the order of the id hash (fair and stable).
            ranking = np.lexsort((state.tiebreak[candidates], -np.round(scores[candidates], 6)))
            chosen = candidates[ranking[start:end]]
        else:
            order = state.order(search_query.sort)
            chosen = order[final[order]][start:end]

        term_set = set(terms)
        hits = [_hit(state, int(d), float(scores[d]) if scores is not None else 0.0, term_set) for d in chosen]
        suggestion = _suggest(state, words) if total == 0 and words else None
        return SearchPage(total=total, hits=hits, facets=facets, suggestion=suggestion, words=tuple(words))


def _filter_masks(state: _State, q: SearchQuery) -> dict[str, np.ndarray]:
    """One mask per filter group the buyer chose (values within a group are alternatives, except certifications)."""
    empty = np.zeros(state.size, dtype=bool)
    groups: dict[str, np.ndarray] = {}

    def any_of(fieldname: str, values: Iterable[str]) -> np.ndarray:
        masks = state.masks(fieldname)
        result = empty.copy()
        for value in values:
            if value in masks:
                result |= masks[value]
        return result

    if q.lot:
        groups["lot"] = any_of("lot", [q.lot])
    if q.categories:
        groups["category"] = any_of("categories", q.categories)
    if q.org_types:
        groups["org_type"] = any_of("org_types", q.org_types)
    if q.data_location:
        groups["data_location"] = any_of("data_location", LOCATIONS_ACCEPTED[q.data_location])
    if q.certifications:
        masks = state.masks("certifications")
        result = state.live.copy()
        for value in q.certifications:
            result &= masks.get(value, empty)
        groups["certification"] = result
    return groups


_FACET_FIELD = {"lot": "lot", "category": "categories", "org_type": "org_types", "data_location": "data_location", "certification": "certifications"}


def _facet_counts(state: _State, matched: np.ndarray, groups: dict[str, np.ndarray]) -> dict[str, dict[str, int]]:
    """Counts per option, each computed with its own filter group removed, so ticking one category
    still shows how many the others would give."""
    facets: dict[str, dict[str, int]] = {}
    for group, fieldname in _FACET_FIELD.items():
        base = matched.copy()
        for other, mask in groups.items():
            if other != group:
                base &= mask
        masks = state.masks(fieldname)
        if group == "data_location":
            facets[group] = {
                value: int(np.count_nonzero(base & _any(masks, accepted, state.size)))
                for value, accepted in LOCATIONS_ACCEPTED.items()
            }
        else:
            facets[group] = {value: int(np.count_nonzero(base & mask)) for value, mask in masks.items()}
    return facets


def _any(masks: dict[str, np.ndarray], values: Iterable[str], size: int) -> np.ndarray:
    result = np.zeros(size, dtype=bool)
    for value in values:
        if value in masks:
            result |= masks[value]
    return result


BM25_B = 0.75
BM25_K1 = 1.2


def _match_and_score(state: _State, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Documents containing every word (in any text field), and their BM25F scores.

    The same formula and statistics as Whoosh's BM25F (idf and average field
    lengths from the searcher, weights including field boosts from the
    postings), computed on arrays over the cached postings of each term.
    """
    searcher = state.searcher
    matched = state.live.copy()
    scores = np.zeros(state.size, dtype=np.float64)
    for word in words:
        terms = _terms(word)
        if not terms:
            continue  # a stop word on its own ("the") neither narrows nor scores
        present = np.zeros(state.size, dtype=bool)
        for text in terms:
            for fieldname in TEXT_FIELDS:
                ids, weights = state.postings(fieldname, text)
                if ids.size == 0:
                    continue
                present[ids] = True
                idf = searcher.idf(fieldname, text)
                average = searcher.avg_field_length(fieldname) or 1
                lengths = state.lengths(fieldname)[ids]
                scores[ids] += scoring.bm25(idf, weights, lengths, average, BM25_B, BM25_K1)
        matched &= present
    return matched, scores


def _hit(state: _State, docnum: int, score: float, terms: set[str]) -> SearchHit:
    stored = state.searcher.stored_fields(docnum)
    return SearchHit(
        id=int(state.sid[docnum]),
        score=score,
        highlights={name: highlight(stored.get(name, ""), terms) for name in ("name", "summary")},
    )


# The analyzer's own tokenizer: a highlight marks exactly the words the index saw.
_TOKENS = ANALYZER.items[0].expression
_INDEXED_FORMS: dict[str, str] = {}
INDEXED_FORMS_CACHE = 100_000


def _indexed_form(token: str) -> str:
    """What the index holds for one word of text: lower case, stemmed, accents folded (stop words unstemmed).

    Every filter of the analyzer works on one token at a time, so a word analysed
    alone gives what it gives in its sentence; the result is cached per word.
    """
    form = _INDEXED_FORMS.get(token)
    if form is None:
        forms = [t.text for t in ANALYZER(token, removestops=False)]
        form = forms[0] if len(forms) == 1 else ""
        if len(_INDEXED_FORMS) >= INDEXED_FORMS_CACHE:
            _INDEXED_FORMS.clear()
        _INDEXED_FORMS[token] = form
    return form


def highlight(text: str, terms: set[str]) -> str:
    """The text as HTML with every word whose stem matched in <mark>; everything else escaped."""
    if not terms or not text:
        return html.escape(text)
    parts: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        if _indexed_form(match.group(0)) in terms:
            parts.append(html.escape(text[position : match.start()]))
            parts.append(f"<mark>{html.escape(match.group(0))}</mark>")
            position = match.end()
    parts.append(html.escape(text[position:]))
    return "".join(parts)


def _suggest(state: _State, words: list[str]) -> str | None:
    """'Did you mean': each unknown word replaced by the closest word in the catalogue (a word the
    catalogue has is kept, even if a more frequent one is a letter away)."""
    speller = state.speller()
    corrected = []
    changed = False
    for word in words:
        suggestion = None if word in speller.known else speller.suggest(word)
        if suggestion is not None and suggestion != word:
            corrected.append(suggestion)
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None


SPELLING_DISTANCE = 2
_LETTER_SLOTS = 64
_LETTER_COUNTS: dict[str, bytes] = {}


def _letter_counts(word: str) -> bytes:
    """How many times each letter occurs in a word (a-z and 0-9 apart, other characters sharing
    slots, which only makes the bound below looser, never wrong)."""
    counts = _LETTER_COUNTS.get(word)
    if counts is None:
        slots = bytearray(_LETTER_SLOTS)
        for char in word:
            code = ord(char)
            if 97 <= code <= 122:
                slot = code - 97
            elif 48 <= code <= 57:
                slot = 26 + code - 48
            else:
                slot = 36 + code % (_LETTER_SLOTS - 36)
            slots[slot] = min(slots[slot] + 1, 255)
        counts = bytes(slots)
        if len(_LETTER_COUNTS) >= 500_000:
            _LETTER_COUNTS.clear()
        _LETTER_COUNTS[word] = counts
    return counts


class _Speller:
    """The spelling words of one searcher generation, and 'did you mean' over them.

    It suggests exactly what Whoosh's ReaderCorrector does (``suggest(word,
    limit=1, maxdist=2)``: the most frequent word within two edits, ties to
    the alphabetically last), but compares a word with Whoosh's own edit
    distance only when its length and letters allow two edits: one edit
    changes the length by at most one and adds or removes at most one letter,
    so the rest are ruled out with two array comparisons.
    """

    def __init__(self, frequencies: dict[str, float]) -> None:
        self.words = list(frequencies)
        self.known = frozenset(self.words)
        self.frequencies = [frequencies[word] for word in self.words]
        self.lengths = np.array([len(word) for word in self.words], dtype=np.int32)
        letters = b"".join(_letter_counts(word) for word in self.words)
        self.letters = np.frombuffer(letters, dtype=np.uint8).reshape(len(self.words), _LETTER_SLOTS).astype(np.int16)

    def suggest(self, word: str) -> str | None:
        near = np.flatnonzero(np.abs(self.lengths - len(word)) <= SPELLING_DISTANCE)
        if near.size == 0:
            return None
        difference = self.letters[near] - np.frombuffer(_letter_counts(word), dtype=np.uint8).astype(np.int16)
        surplus = np.clip(difference, 0, None).sum(axis=1)
        shortfall = np.clip(-difference, 0, None).sum(axis=1)
        best: tuple[float, str] | None = None
        for n in near[np.maximum(surplus, shortfall) <= SPELLING_DISTANCE]:
            candidate = self.words[n]
            if candidate == word or levenshtein.distance(candidate, word, limit=SPELLING_DISTANCE) > SPELLING_DISTANCE:
                continue
            # ReaderCorrector's score: the same for every distance, higher for more frequent words.
            score = 0 - (SPELLING_DISTANCE + (1.0 / (self.frequencies[n] or 1) * 0.5))
            if best is None or (score, candidate) > best:
                best = (score, candidate)
        return best[1] if best is not None else None
