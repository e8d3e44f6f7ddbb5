"""The search engine on its own: a small corpus in a temporary directory, no app, no database."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh import query as whoosh_query

from app.search.index import IndexChange, SearchQuery, ServiceDocument
from app.search.whoosh_index import ANALYZER, IndexBusy, IndexUnavailable, Position, WhooshIndex, query_words, tiebreak

BASE = datetime(2026, 1, 1)


def make_doc(id: int, **overrides: object) -> ServiceDocument:
    values: dict[str, object] = {
        "id": id, "version": 1, "lot": "cloud-software", "lot_name": "Cloud software",
        "name": f"Service {id}", "summary": "A plain service.", "description": "Nothing special.",
        "features": (), "benefits": (), "categories": ("case-management",), "category_names": ("Case management",),
        "supplier_id": 1, "supplier_name": "Acme Ltd", "org_types": ("sme",), "data_location": "uk",
        "certifications": (), "free_trial": False, "price_pence": 1000, "updated": BASE + timedelta(days=id),
    }
    values.update(overrides)
    return ServiceDocument(**values)  # type: ignore[arg-type]


CORPUS = [
    make_doc(1, name="Managed database hosting", summary="We host PostgreSQL for councils.", lot="cloud-hosting", lot_name="Cloud hosting",
             categories=("relational-database",), category_names=("Relational database",), price_pence=5000, data_location="eea",
             certifications=("cyber_essentials", "iso27001"), org_types=("large",), supplier_name="Stratus Hosting"),
    make_doc(2, name="Case management for social care", summary="Case records <b>for</b> adult social care teams.",
             categories=("case-management", "healthcare-management"), category_names=("Case management", "Healthcare management"),
             org_types=("sme", "mutual"), supplier_name="Riverside Care Mutual", free_trial=True, price_pence=2500,
             certifications=("cyber_essentials",)),
    make_doc(3, name="Payroll software", summary="Payroll and pensions for schools.", categories=("payroll",), category_names=("Payroll",),
             org_types=("sme", "social_enterprise"), price_pence=900, data_location="other"),
    make_doc(4, name="Cloud migration planning", summary="Planning your move to hosted services.", lot="cloud-support",
             lot_name="Cloud support", categories=("planning",), category_names=("Planning",), price_pence=75000, org_types=("vcse", "sme")),
    make_doc(5, name="Case notes", summary="Case notes for housing officers.", categories=("case-management",),
             category_names=("Case management",), price_pence=2500),
]


@pytest.fixture
def index(tmp_path: Path) -> WhooshIndex:
    ix = WhooshIndex(tmp_path / "index")
    ix.rebuild(CORPUS)
    return ix


def ids(page) -> list[int]:  # type: ignore[no-untyped-def]
    return [hit.id for hit in page.hits]


def test_stemming_finds_hosting_from_hosted(index: WhooshIndex) -> None:
    assert set(ids(index.search(SearchQuery(q="hosted")))) == {1, 4}


def test_lot_category_and_supplier_names_are_searchable(index: WhooshIndex) -> None:
    assert ids(index.search(SearchQuery(q="relational"))) == [1]
    assert set(ids(index.search(SearchQuery(q="Riverside")))) == {2}
    assert set(ids(index.search(SearchQuery(q="cloud support")))) == {4}


def test_every_word_must_match(index: WhooshIndex) -> None:
    assert set(ids(index.search(SearchQuery(q="case housing")))) == {5}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (SearchQuery(lot="cloud-hosting"), {1}),
        (SearchQuery(categories=("payroll", "planning")), {3, 4}),
        (SearchQuery(org_types=("mutual",)), {2}),
        (SearchQuery(org_types=("social_enterprise", "vcse")), {3, 4}),
        (SearchQuery(data_location="uk"), {2, 4, 5}),
        (SearchQuery(data_location="eea"), {1, 2, 4, 5}),
        (SearchQuery(data_location="other"), {1, 2, 3, 4, 5}),
        (SearchQuery(certifications=("cyber_essentials",)), {1, 2}),
        (SearchQuery(certifications=("cyber_essentials", "iso27001")), {1}),
        (SearchQuery(free_trial=True), {2}),
        (SearchQuery(price_max_pence=2500), {2, 3, 5}),
        (SearchQuery(q="case", categories=("case-management",), price_max_pence=2500, free_trial=True), {2}),
    ],
)
def test_filters_and_their_combinations(index: WhooshIndex, query: SearchQuery, expected: set[int]) -> None:
    page = index.search(query)
    assert set(ids(page)) == expected
    assert page.total == len(expected)


def test_facet_counts_leave_out_their_own_group(index: WhooshIndex) -> None:
    page = index.search(SearchQuery(categories=("payroll",)))
    assert page.total == 1
    # The category facet ignores the category filter: other categories still show their counts.
    assert page.facets["category"]["case-management"] == 2
    assert page.facets["category"]["planning"] == 1
    # Other facets are narrowed by the category filter.
    assert page.facets["lot"] == {"cloud-hosting": 0, "cloud-software": 1, "cloud-support": 0}
    assert page.facets["data_location"] == {"uk": 0, "eea": 0, "other": 1}


def test_sorts_by_price_name_and_updated_with_ties_by_id_hash(index: WhooshIndex) -> None:
    assert ids(index.search(SearchQuery(sort="price_asc")))[:1] == [3]
    assert ids(index.search(SearchQuery(sort="price_desc")))[:2] == [4, 1]
    assert ids(index.search(SearchQuery(sort="name"))) == [2, 5, 4, 1, 3]
    assert ids(index.search(SearchQuery(sort="updated"))) == [5, 4, 3, 2, 1]
    # Services 2 and 5 cost the same: their order is the hash order, not insertion order.
    tied = [i for i in ids(index.search(SearchQuery(sort="price_asc"))) if i in (2, 5)]
    assert tied == sorted((2, 5), key=tiebreak)


def test_equal_relevance_is_ordered_by_id_hash_the_same_on_every_request(tmp_path: Path) -> None:
    docs = [make_doc(i, name="Identical service", summary="Same words.") for i in range(1, 41)]
    ix = WhooshIndex(tmp_path / "ix")
    ix.rebuild(reversed(docs))
    first = ids(ix.search(SearchQuery(q="identical")))
    assert first == sorted(range(1, 31), key=tiebreak)[:30] or first == sorted(range(1, 41), key=tiebreak)[:30]
    assert ids(WhooshIndex(tmp_path / "ix").search(SearchQuery(q="identical"))) == first
    assert ids(ix.search(SearchQuery(q="identical", page=2))) == sorted(range(1, 41), key=tiebreak)[30:]


def test_ranking_is_whooshs_bm25f_over_all_matches(index: WhooshIndex) -> None:
    page = index.search(SearchQuery(q="case management social"))
    searcher = whoosh_index.open_dir(str(index.current)).searcher()
    words = ["case", "management", "social"]
    clauses = [whoosh_query.Or([whoosh_query.Term(f, t.text) for t in ANALYZER(w) for f in ("name", "summary", "body", "meta")]) for w in words]
    exhaustive = searcher.search(whoosh_query.And(clauses), limit=None)
    assert [h.id for h in page.hits] == [int(h["sid"]) for h in exhaustive]
    assert [h.score for h in page.hits] == pytest.approx([h.score for h in exhaustive], rel=1e-6)


def test_highlights_mark_matched_words_and_escape_html(index: WhooshIndex) -> None:
    hit = index.search(SearchQuery(q="records")).hits[0]
    assert hit.highlights["summary"] == "Case <mark>records</mark> &lt;b&gt;for&lt;/b&gt; adult social care teams."


def test_page_past_the_end_has_no_hits_but_the_total(index: WhooshIndex) -> None:
    page = index.search(SearchQuery(page=2))
    assert page.hits == [] and page.total == 5


@pytest.mark.parametrize(
    "raw",
    ['"case management', "(case", "case)", "AND OR", "case AND OR", "*", "cas*", "case\x00\x07notes", "x" * 5000,
     "управление делами", "事例管理", "🙂", "' OR 1=1 --", "NOT", "title:case", "case~2", "[a TO z]", "^", "\\"],
)
def test_malformed_queries_are_plain_words_and_never_fail(index: WhooshIndex, raw: str) -> None:
    page = index.search(SearchQuery(q=raw))
    assert page.total >= 0
    assert all(len(w) <= 200 for w in query_words(raw))


def test_suggests_a_spelling_when_nothing_matches(index: WhooshIndex) -> None:
    page = index.search(SearchQuery(q="payrol"))
    assert page.total == 0
    assert page.suggestion == "payroll"


def test_apply_updates_and_removes_documents(index: WhooshIndex) -> None:
    index.apply([IndexChange(3, dataclasses.replace(CORPUS[2], version=2, name="Payroll and HR software")), IndexChange(4, None)])
    assert ids(index.search(SearchQuery(q="HR"))) == [3]
    assert index.search(SearchQuery(q="migration")).total == 0
    assert dict(index.indexed_versions())[3] == 2
    assert index.doc_count() == 4


def test_a_second_writer_gets_index_unavailable(index: WhooshIndex) -> None:
    blocker = whoosh_index.open_dir(str(index.current)).writer()
    try:
        slow = WhooshIndex(index.directory, write_timeout=0.1)
        with pytest.raises(IndexUnavailable):
            slow.apply([IndexChange(1, None)])
    finally:
        blocker.cancel()
    assert index.doc_count() == 5


def test_a_failed_rebuild_leaves_the_live_index_alone(index: WhooshIndex) -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield make_doc(99, name="Half built")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())
    assert index.doc_count() == 5
    assert index.search(SearchQuery(q="half")).total == 0


def test_rebuild_swaps_in_a_new_generation_while_searches_keep_working(index: WhooshIndex) -> None:
    before = index.generation_dir()
    assert index.search(SearchQuery()).total == 5
    index.rebuild(CORPUS[:2])
    assert index.generation_dir() != before
    assert index.search(SearchQuery()).total == 2


def test_a_table_of_contents_replaced_while_opening_is_read_again(index: WhooshIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker's commit can delete the file a search was about to read: the search reads the newer one."""
    real_open_dir = whoosh_index.open_dir
    opened: list[str] = []

    def racing_open_dir(dirname: str, **options: object) -> object:
        opened.append(dirname)
        if len(opened) == 1:
            raise FileNotFoundError(f"{dirname}/_MAIN_7.toc")
        return real_open_dir(dirname, **options)

    monkeypatch.setattr(whoosh_index, "open_dir", racing_open_dir)
    worker = WhooshIndex(index.directory)
    assert worker.exists() and opened == []  # looking for the index does not open it
    assert ids(worker.search(SearchQuery(q="payroll"))) == [3]
    assert len(opened) == 2


def test_an_index_whose_files_stay_missing_is_unavailable(index: WhooshIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(dirname: str, **options: object) -> object:
        raise FileNotFoundError(f"{dirname}/_MAIN_7.toc")

    monkeypatch.setattr(whoosh_index, "open_dir", missing)
    with pytest.raises(IndexUnavailable):
        WhooshIndex(index.directory).search(SearchQuery(q="payroll"))


def test_a_writers_turn_covers_reading_the_position_and_recording_the_next(index: WhooshIndex) -> None:
    other_worker = WhooshIndex(index.directory, write_timeout=0.05)
    with index.writing() as batch:
        assert batch.position.applied == 0
        with pytest.raises(IndexBusy), other_worker.writing():
            pass
        batch.apply([IndexChange(4, None)], position=Position(applied=7))
    with other_worker.writing() as batch:  # the next turn starts from the position the last one recorded
        assert batch.position.applied == 7
    assert index.doc_count() == 4


def test_a_suggestion_keeps_the_words_the_catalogue_knows(index: WhooshIndex) -> None:
    # "care" is in the catalogue (if less often than "case", one letter away): only the unknown word changes.
    page = index.search(SearchQuery(q="care payrol"))
    assert page.total == 0
    assert page.suggestion == "care payroll"
