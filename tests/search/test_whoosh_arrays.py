"""The engine's shortcuts into Whoosh give exactly what Whoosh gives: postings read a block at a time,
field lengths and number columns read whole, highlights from a word cache and spelling suggestions."""

from __future__ import annotations

import dataclasses
import html
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh import query as whoosh_query

from app.search import whoosh_index as engine
from app.search.index import IndexChange, SearchQuery
from app.search.whoosh_index import ANALYZER, TEXT_FIELDS, WhooshIndex, _read_postings, _Speller, highlight
from tests.search.test_whoosh_index import make_doc

WORDS = ["cloud", "hosting", "hosted", "payroll", "case", "management", "records", "backup", "council", "schools",
         "analytics", "support", "migration", "planning", "café", "naïve", "records", "security", "networks", "portal"]


def corpus(count: int, seed: int = 7) -> list:  # type: ignore[type-arg]
    """Documents whose words repeat often enough for terms to span several postings blocks (128 each)."""
    rng = random.Random(seed)
    docs = []
    for n in range(1, count + 1):
        docs.append(make_doc(
            n,
            name=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))).capitalize(),
            summary=" ".join(rng.choices(WORDS, k=rng.randint(3, 12))) + ".",
            description=" ".join(rng.choices(WORDS, k=rng.randint(0, 40))),
            features=tuple(" ".join(rng.choices(WORDS, k=3)) for _ in range(rng.randint(0, 3))),
            price_pence=rng.choice([0, 100, 2500, 10**9 + n]),
            org_types=tuple(rng.sample(["sme", "mutual", "vcse", "large"], rng.randint(0, 2))),
        ))
    return docs


@pytest.fixture
def big(tmp_path: Path) -> WhooshIndex:
    """Several hundred documents in two segments, the first with deletions."""
    docs = corpus(420)
    ix = WhooshIndex(tmp_path / "big")
    ix.rebuild(docs[:400])
    ix.apply([IndexChange(d.id, dataclasses.replace(d, version=2, summary=d.summary + " updated")) for d in docs[:60:3]]
             + [IndexChange(d.id, None) for d in docs[100:130]] + [IndexChange(d.id, d) for d in docs[400:]])
    return ix


def leaves(ix: WhooshIndex) -> list:  # type: ignore[type-arg]
    state = ix._searcher_state()
    assert len(state.leaves) >= 2
    return [(leaf, segment) for leaf, _, segment in state.leaves]


def test_postings_read_by_block_are_whooshs_postings(big: WhooshIndex) -> None:
    checked_blocks = False
    for leaf, _ in leaves(big):
        for fieldname in TEXT_FIELDS:
            for term in leaf.lexicon(fieldname):
                ids, weights = _read_postings(leaf, fieldname, term)
                live = [(int(d), float(w)) for d, w in zip(ids, weights, strict=True) if not leaf.is_deleted(int(d))]
                matcher = leaf.postings(fieldname, term)
                expected = []
                while matcher.is_active():
                    expected.append((matcher.id(), matcher.weight()))
                    matcher.next()
                assert [d for d, _ in live] == [d for d, _ in expected]
                assert [w for _, w in live] == pytest.approx([w for _, w in expected])
                checked_blocks |= len(ids) > 128
    assert checked_blocks


def test_lengths_and_number_columns_read_whole_are_whooshs_per_document_values(big: WhooshIndex) -> None:
    for leaf, segment in leaves(big):
        for fieldname in TEXT_FIELDS:
            expected = [leaf.doc_field_length(d, fieldname) or 0 for d in range(segment.size)]
            assert segment.lengths[fieldname].tolist() == expected
        for name in ("sid", "price", "updated", "tiebreak", "visible_until"):
            column = leaf.column_reader(name)
            assert getattr(segment, name).tolist() == [column[d] for d in range(segment.size)]
    prices = {doc.id: doc.price_pence for doc in corpus(420)}
    state = big._searcher_state()
    assert all(prices[int(state.sid[d])] == state.price[d] for d in range(state.size) if state.live[d])


@pytest.mark.parametrize("words", [["case", "management"], ["cloud"], ["hosted", "schools", "records"], ["cafe"]])
def test_ranking_over_several_segments_with_deletions_is_whooshs_bm25f(big: WhooshIndex, words: list[str]) -> None:
    page = big.search(SearchQuery(q=" ".join(words), per_page=1000))
    searcher = whoosh_index.open_dir(str(big.current)).searcher()
    clauses = [whoosh_query.Or([whoosh_query.Term(f, t.text) for t in ANALYZER(w) for f in TEXT_FIELDS]) for w in words]
    exhaustive = searcher.search(whoosh_query.And(clauses), limit=None)
    assert page.total == len(exhaustive) > 0
    sids = searcher.reader().column_reader("sid")
    expected = {sids[hit.docnum]: hit.score for hit in exhaustive}
    assert {hit.id: hit.score for hit in page.hits} == pytest.approx(expected, rel=1e-6)
    assert [hit.score for hit in page.hits] == sorted((hit.score for hit in page.hits), reverse=True)


def _old_schema() -> fields.Schema:
    """The schema before the numbers became columns and positions were dropped."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        sid=fields.NUMERIC(int, bits=64, stored=True, sortable=True),
        version=fields.NUMERIC(int, bits=64, stored=True),
        name=fields.TEXT(analyzer=ANALYZER, stored=True, field_boost=3.0),
        summary=fields.TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0),
        body=fields.TEXT(analyzer=ANALYZER),
        meta=fields.TEXT(analyzer=ANALYZER, field_boost=1.5),
        spelling=fields.TEXT(analyzer=engine.SPELLING),
        lot=fields.ID(),
        categories=fields.KEYWORD(commas=True),
        org_types=fields.KEYWORD(commas=True),
        data_location=fields.ID(),
        certifications=fields.KEYWORD(commas=True),
        free_trial=fields.ID(),
        price=fields.NUMERIC(int, bits=64, sortable=True),
        updated=fields.NUMERIC(int, bits=64, sortable=True),
        tiebreak=fields.NUMERIC(int, bits=64, sortable=True),
        visible_until=fields.NUMERIC(int, bits=64, sortable=True),
        name_key=fields.ID(sortable=True),
    )


def test_an_index_built_before_the_numbers_became_columns_keeps_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = corpus(40)
    old = WhooshIndex(tmp_path / "old")
    monkeypatch.setattr(engine, "make_schema", _old_schema)
    old.rebuild(docs)
    monkeypatch.undo()
    new = WhooshIndex(tmp_path / "new")
    new.rebuild(docs)
    assert isinstance(whoosh_index.open_dir(str(old.current)).schema["price"], fields.NUMERIC)

    for query in (SearchQuery(q="cloud payroll"), SearchQuery(sort="name"), SearchQuery(sort="price_desc"),
                  SearchQuery(q="payrol")):
        a, b = old.search(query), new.search(query)
        assert (a.total, [h.id for h in a.hits], a.facets, a.suggestion) == (
            b.total, [h.id for h in b.hits], b.facets, b.suggestion
        )
    old.apply([IndexChange(3, dataclasses.replace(docs[2], version=2, name="Zebra crossing service"))])
    assert [h.id for h in old.search(SearchQuery(q="zebra")).hits] == [3]
    assert dict(old.indexed_versions())[3] == 2


def test_suggestions_are_whooshs_corrector(big: WhooshIndex) -> None:
    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyzéï"
    vocabulary = sorted({w for w in WORDS} | {"cafe", "naive"})
    probes = ["payrol", "clowd", "hostng", "sceurity", "x", "zzzzzz", "café", "cafè", "managment", "recrods", "supprot"]
    for _ in range(300):
        word = list(rng.choice(vocabulary))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(word) + 1)
            edit = rng.choice(["insert", "delete", "replace", "swap"])
            if edit == "insert":
                word.insert(position, rng.choice(letters))
            elif edit == "delete" and len(word) > 1:
                del word[min(position, len(word) - 1)]
            elif edit == "replace":
                word[min(position, len(word) - 1)] = rng.choice(letters)
            elif len(word) > 2:
                p = min(position, len(word) - 2)
                word[p], word[p + 1] = word[p + 1], word[p]
        probes.append("".join(word))
    state = big._searcher_state()
    corrector = state.searcher.corrector("spelling")
    speller = state.speller()
    for probe in probes:
        expected = corrector.suggest(probe, limit=1, maxdist=2)
        assert speller.suggest(probe) == (expected[0] if expected else None), probe


def test_equally_frequent_suggestions_are_chosen_as_whoosh_chooses(tmp_path: Path) -> None:
    ix = WhooshIndex(tmp_path / "ties")
    ix.rebuild([make_doc(1, name="Cart card", summary="Care."), make_doc(2, name="Carp", summary="Cars cars.")])
    state = ix._searcher_state()
    corrector = state.searcher.corrector("spelling")
    for probe in ("carx", "cat", "xard", "caar", "arc"):
        expected = corrector.suggest(probe, limit=1, maxdist=2)
        assert state.speller().suggest(probe) == (expected[0] if expected else None), probe


def test_a_speller_with_no_words_suggests_nothing() -> None:
    assert _Speller({}).suggest("payroll") is None


def _highlight_by_analyzer(text: str, terms: set[str]) -> str:
    """Highlighting as it was first written: the whole text through the analyzer."""
    if not terms or not text:
        return html.escape(text)
    parts, position = [], 0
    for token in ANALYZER(text, chars=True, removestops=False):
        if token.text in terms:
            parts.append(html.escape(text[position : token.startchar]))
            parts.append(f"<mark>{html.escape(text[token.startchar : token.endchar])}</mark>")
            position = token.endchar
    parts.append(html.escape(text[position:]))
    return "".join(parts)


TEXT = st.text(alphabet=st.sampled_from(list("abcdeHOST ing.s*'-&<>éÉïßİ1209 \n")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from([*WORDS, "the", "a", "I", "e.g.", "v2.1", "**", "ing", "HOSTED", "Café"]) | TEXT,
                  max_size=12),
    query=st.lists(st.sampled_from([*WORDS, "hosts", "cafes", "the", "e.g", "ing"]), max_size=3),
)
def test_highlights_mark_exactly_what_the_analyzer_matches(text: list[str], query: list[str]) -> None:
    joined = " ".join(text)
    terms = {t.text for word in query for t in ANALYZER(word)}
    assert highlight(joined, terms) == _highlight_by_analyzer(joined, terms)
