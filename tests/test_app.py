"""The explorer's page logic, run in-process with Streamlit's AppTest on the fixture store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cgt_graph.explorer import data as explore

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAYLOAD = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def _fresh_caches() -> None:
    import streamlit as st
    st.cache_data.clear()  # caches live for the process: each test starts from its own store
    st.cache_resource.clear()


def _start(store: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("CGT_GRAPH_STORE", str(store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(fixture_store, monkeypatch):
    return _start(fixture_store, monkeypatch)


def _go(at: AppTest, page: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(page).run()
    assert not at.exception, at.exception
    return at


def _texts(at: AppTest) -> str:
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


# AppTest does not expose a dataframe's key: each table is known by its columns
COLUMNS = {"results": {"product", "pathways", "class", "holder", "brand"}, "decisions": {""},
           "official": {"identifiers", "page", "title"},
           "facts": {"fact", "record", "url", "quote"}, "claims": {"claim", "in_graph"}, "crosswalk": {"product", "European Union"},
           "pathway_products": {"product", "date", "status"},
           "follow": {"first_jurisdiction", "jurisdiction", "median_days"}, "network_lags": {"median_days"},
           "compare_lags": {"median_days", "imprecise"},
           "history": {"kind", "event", "source", "sources"}, "review_summary": {"group", "n", "n_day_precision"},
           "review_pairs": {"start", "dates_known_to"}, "timing_claims": {"statement", "verdict", "graph_n"}, "sparql_result": {"jurisdiction", "authorisations"}}


def _frame(at: AppTest, key: str):
    found = [d.value for d in at.dataframe if COLUMNS[key] <= set(d.value.columns)]
    assert found, f"no table {key} on the page"
    return min(found, key=lambda f: len(f.columns))


def test_search_car_t_lists_each_authorisation_of_the_car_t_products(app):
    app.text_input(key="q").input("CAR-T").run()
    table = _frame(app, "results")
    assert set(table["product"]) == {"Alphacel (testcabtagene autoleucel)", "Betacel (examplecabtagene autoleucel)"}
    assert f"{len(table)} authorisations of 2 products" in _texts(app)
    for spelling in ["CAR T", "car-t", "car_t"]:  # the same rows
        app.text_input(key="q").input(spelling).run()
        assert sorted(_frame(app, "results")["product"]) == sorted(table["product"]), spelling


def _would_give(at: AppTest, title: str) -> dict[str, int]:
    """The counts printed beside a facet: 'Would give: China 1 · United States 2'."""
    ms = [m for m in at.multiselect if m.label == title][0]
    idx = [c.value for c in at.caption].index
    caps = [c.value for c in at.caption if c.value.startswith("Would give: ")]
    order = [m.label for m in at.multiselect if m.label in {"Modality", "Jurisdiction", "Pathway or designation",
                                                           "Regulatory class", "Status", "Holder"}]
    text = caps[order.index(ms.label)].removeprefix("Would give: ")
    del idx
    return {part.rsplit(" ", 1)[0]: int(part.rsplit(" ", 1)[1]) for part in text.split(" · ") if not part.endswith("more")}


def test_facet_values_are_stable_codes_named_for_people_with_counts_beside(app):
    app.text_input(key="q").input("car-t").run()
    box = app.multiselect(key="facet_jurisdiction")
    assert box.options == ["China", "European Union", "United States"]  # names, no counts inside
    counts = _would_give(app, "Jurisdiction")
    assert sum(counts.values()) == len(_frame(app, "results"))  # single-valued: counts add up to the rows
    code = {"China": "CN", "European Union": "EU", "United States": "US"}
    for name, n in counts.items():
        app.multiselect(key="facet_jurisdiction").set_value([code[name]]).run()
        assert len(_frame(app, "results")) == n, name
        assert set(_frame(app, "results")["jurisdiction"]) == {name}
        assert app.multiselect(key="facet_jurisdiction").options == box.options  # the options never move
    # a second facet keeps the first; the text can change without losing either
    app.multiselect(key="facet_jurisdiction").set_value(["EU"]).run()
    app.multiselect(key="facet_status").set_value(["authorised"]).run()
    app.text_input(key="q").input("autoleucel").run()
    assert app.multiselect(key="facet_jurisdiction").value == ["EU"]
    assert set(_frame(app, "results")["jurisdiction"]) == {"European Union"}
    assert app.query_params["jurisdiction"] == "EU" and app.query_params["q"] == "autoleucel"


def test_an_empty_result_names_the_filter_that_emptied_it_and_clears_it(app):
    app.multiselect(key="facet_jurisdiction").set_value(["US"]).run()
    app.text_input(key="q").input("Betacel").run()  # Betacel is not authorised in the United States
    assert "0 authorisations of 0 products" in _texts(app)
    warning = app.warning[0].value
    assert "Betacel" in warning and "United States" in warning
    app.button(key="clear_jurisdiction").click().run()
    assert app.multiselect(key="facet_jurisdiction").value == []
    assert set(_frame(app, "results")["product"]) == {"Betacel (examplecabtagene autoleucel)"}


def test_an_address_reopens_the_search_it_names(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "Search"
    at.query_params["q"] = "autoleucel"
    at.query_params["jurisdiction"] = ["EU", "CN"]
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="q").value == "autoleucel"
    assert sorted(at.multiselect(key="facet_jurisdiction").value) == ["CN", "EU"]
    assert set(_frame(at, "results")["jurisdiction"]) <= {"China", "European Union"}


def test_search_csv_has_the_header_and_the_rows(fixture_oxi):
    rows = explore.filter_rows(explore.search_rows(fixture_oxi), "car-t", {"jurisdiction": ["US"]})
    lines = explore.to_csv(rows, ["product_id", "jurisdiction_code", "decision_date"]).decode().splitlines()
    assert lines[0] == "product_id,jurisdiction_code,decision_date"
    assert sorted(lines[1:]) == sorted(f"{r['product_id']},US,{r['decision_date']}" for r in rows)
    assert len(lines) == 2  # one US CAR-T authorisation in the fixture


def test_open_a_product_shows_its_decisions_and_every_fact_with_its_source(app):
    app.text_input(key="q").input("Alphacel").run()
    app.selectbox(key="search_pick").set_value("testcabtagene-autoleucel").run()
    app.button(key="open_product").click().run()
    assert app.sidebar.radio(key="page").value == "Product"
    assert "Alphacel \\(testcabtagene autoleucel\\)" in [h.value for h in app.subheader]
    decisions = app.table[0].value
    # side by side, in date order by what is known; a month-only date says so
    assert list(decisions.columns) == ["United States", "European Union", "China"]
    assert decisions.loc["Decision date", "European Union"] == "2019-06 (month only)"
    assert decisions.loc["Verified", "China"] == "not recorded"
    official = _frame(app, "official")
    assert dict(zip(official["jurisdiction"], official["page"], strict=True))["European Union"] == "https://example.org/eu/register"
    facts = _frame(app, "facts")
    eu = facts[(facts["jurisdiction"] == "European Union") & (facts["fact"] == "authorisation")]
    assert set(eu["url"]) == {"https://example.org/eu/register"}
    assert set(eu["evidence"]) == {"official"} and set(eu["confidence"]) == {"high"}
    assert {"product", "authorisation", "designation"} <= set(facts["fact"])
    assert all(facts["url"].str.startswith("https://")) and all(facts["quote"].str.len() > 0)


def test_the_product_timeline_shows_milestones_indications_and_outcomes_each_with_its_source(app):
    app.query_params["page"] = "Product"
    app.query_params["product"] = "testcabtagene-autoleucel"
    app.run()
    assert not app.exception, app.exception
    timeline = _frame(app, "history")
    rows = {(r["date"], r["jurisdiction"], r["kind"], r["event"]): r for _, r in timeline.iterrows()}
    committee = rows[("2018-01-20", "United States", "milestone", "advisory committee")]
    assert committee["detail"] == "10 to 0 in favour"
    assert committee["source"] == "https://example.org/us/approved-products"
    validation = rows[("2018-07-26", "European Union", "milestone", "validation")]
    assert validation["source"] == "https://example.org/eu/register"
    second_line = rows[("2019-04-01", "United States", "milestone", "submission")]  # a supplement's milestone
    assert "refractory to or relapsed within 12 months" in second_line["detail"]
    assert ("2020-01-10", "United States", "indication", "indication: line of therapy") in rows
    assert ("2019-06 (month only)", "European Union", "decision", "authorised") in rows  # the date as known
    assert list(timeline["date"]) == sorted(timeline["date"], key=lambda d: explore.sort_key(d.split(" ")[0]))
    app.query_params["product"] = "demogene-parvovec"  # a refusal is on its product's timeline
    app.run()
    crl = _frame(app, "history")
    crl = crl[crl["kind"] == "negative outcome"]
    assert list(crl["event"]) == ["complete response letter"] and list(crl["date"]) == ["2019-02-01"]
    assert list(crl["source"]) == ["https://example.org/us/approved-products"]
    app.query_params["product"] = "examplecabtagene-autoleucel"  # a status event, with its source
    app.run()
    events = _frame(app, "history")
    withdrawn = events[events["kind"] == "status event"]
    assert list(withdrawn["event"]) == ["withdrawn"] and list(withdrawn["date"]) == ["2022-01 (month only)"]
    assert list(withdrawn["source"]) == ["https://example.org/cn/news"]


def test_review_times_page_shows_each_group_with_its_n_and_the_claims_beside(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "Review times"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="page").value == "Review times"
    summary = _frame(at, "review_summary")
    # first authorisations: the fixture's two US reviews (181 and 214 days) and one EU review (month-only decision)
    us, eu = "FFDA, United States, from submission", "Fixture European Commission, European Union, from validation"
    assert dict(zip(summary["group"], summary["n"], strict=True)) == {us: 2, eu: 1}
    assert dict(zip(summary["group"], summary["median_days"], strict=True)) == {us: 197.5, eu: 310}
    assert dict(zip(summary["group"], summary["n_day_precision"], strict=True)) == {us: 2, eu: 0}
    chart = at.get("vega_lite_chart")
    assert len(chart) == 1 and f"{us} (n=2)" in chart[0].proto.spec  # n beside each group on the plot
    assert at.query_params["by"] == "agency" and at.query_params["procedure"] == "initial"
    at.radio(key="review_by").set_value("pathway").run()
    summary = _frame(at, "review_summary")
    assert dict(zip(summary["group"], summary["n"], strict=True)) == {
        f"{us} · (no pathway recorded)": 1, f"{us} · Fixture priority review": 1,
        f"{eu} · Fixture conditional marketing authorisation": 1}
    assert at.query_params["by"] == "pathway"
    at.radio(key="review_procedure").set_value("indication").run()
    assert dict(zip(*[_frame(at, "review_summary")[c] for c in ("group", "n")], strict=True)) == {
        f"{us} · Fixture priority review": 1}
    claims = _frame(at, "timing_claims")
    verdicts = dict(zip(claims["claim"], claims["verdict"], strict=True))
    assert verdicts["fx-claim-trial-review-days"].startswith("cannot support")
    assert verdicts["fx-claim-mean-approval-time-2018"].startswith("too few procedures to test (n=1)")
    assert "First approvals took 7.5 months on average in 2018." in set(claims["statement"])
    assert "no clock-stops" in _texts(at)


def test_an_address_reopens_the_review_times_grouping(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"page": "Review times", "by": "pathway", "procedure": "all"})
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="review_by").value == "pathway" and at.radio(key="review_procedure").value == "all"
    assert sum(_frame(at, "review_summary")["n"]) == 4  # three first authorisations + one extension, by pathway


def test_a_link_opens_a_product_page_and_the_address_names_it(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["page"] = "Product"
    at.query_params["product"] = "examplecabtagene-autoleucel"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.radio(key="page").value == "Product"
    assert "examplecabtagene" in at.subheader[0].value
    _go(at, "Search")
    assert at.query_params["page"] == "Search" and "product" not in at.query_params


def test_compare_and_pathways_pages(app):
    _go(app, "Compare jurisdictions")
    claims = _frame(app, "claims")
    assert "fx-claim-cn-car-t" in set(claims["claim"])
    assert len(app.get("vega_lite_chart")) == 3
    _go(app, "Pathways and classes")
    crosswalk = _frame(app, "crosswalk")
    assert dict(zip(crosswalk["product"], crosswalk["European Union"], strict=True))["Alphacel (testcabtagene autoleucel)"] \
        == "Gene therapy medicinal product"
    app.selectbox(key="pathway_pick").set_value("fx-eu-conditional-ma").run()
    assert "testcabtagene-autoleucel" in set(_frame(app, "pathway_products")["product"].str.cat(sep=" ").split(" ")) \
        or any("testcabtagene" in p for p in _frame(app, "pathway_products")["product"])


def test_network_page_shows_follow_edges_and_lags(app):
    _go(app, "Network")
    follow = _frame(app, "follow")
    assert {(r["first_jurisdiction"], r["jurisdiction"]) for _, r in follow.iterrows()} == {
        ("United States", "European Union"), ("United States", "China"), ("European Union", "United States")}
    lags = _frame(app, "network_lags")
    expected = {"European Union": 443.0, "United States": 731.0, "China": 1054.0}  # days, start to start
    assert dict(zip(lags["jurisdiction"], lags["median_days"], strict=True)) == expected
    assert dict(zip(lags["jurisdiction"], lags["imprecise"], strict=True)) == {"European Union": 1, "United States": 0, "China": 0}
    _go(app, "Compare jurisdictions")  # the same figures, from the same function
    compare = _frame(app, "compare_lags")
    assert dict(zip(compare["jurisdiction"], compare["median_days"], strict=True)) == expected


def test_graph_click_shows_a_node_and_expand_adds_its_neighbours(app):
    _go(app, "Graph")
    app.selectbox(key="graph_product").set_value("testcabtagene-autoleucel").run()
    before = int(app.caption[0].value.split()[0])
    assert before > 1
    # a click in the browser arrives as the component's value
    component = "graph-0-8"  # the component's key: graph-<mode number>-<number of types>
    node = "https://w3id.org/cgt-graph/id/jurisdiction/EU"
    app.session_state[component] = {"action": "select", "data": {"target_id": node}, "timestamp": 1}
    app.run()
    assert "European Union" in [m.value for m in app.markdown if m.value.startswith("####")][0]
    app.button(key="graph_expand").click().run()
    after = int(app.caption[0].value.split()[0])
    assert after > before
    app.multiselect(key="graph_types").set_value(["MedicinalProduct", "Jurisdiction"]).run()
    app.radio(key="graph_mode").set_value("Whole graph, grouped by jurisdiction").run()
    assert app.caption[0].value.startswith("6 nodes")  # the fixture: 3 products, 3 jurisdictions


def test_sparql_runs_an_example_and_downloads_it(app):
    _go(app, "SPARQL")
    app.selectbox(key="sparql_example").set_value("counts-by-jurisdiction").run()
    app.button(key="sparql_run").click().run()
    assert not app.error
    result = _frame(app, "sparql_result")
    assert dict(zip(result["jurisdiction"], result["authorisations"], strict=True))["US"] == "2"


@pytest.mark.parametrize("query, message", [
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { SERV\\u0049CE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p }", "syntax error"),
    ("DROP ALL", "read-only"),
])
def test_sparql_errors_are_clear(app, query, message):
    _go(app, "SPARQL")
    app.session_state["sparql_text"] = query
    app.button(key="sparql_run").click().run()
    assert len(app.error) == 1
    assert message in app.error[0].value.replace("\\", "")


def test_downloads_page_offers_the_selection(app):
    app.text_input(key="q").input("car-t").run()
    n = len(_frame(app, "results"))
    app.multiselect(key="facet_jurisdiction").set_value(["CN"]).run()
    n = len(_frame(app, "results"))
    _go(app, "Downloads")
    assert f"{n} rows, 2 products." in _texts(app)
    assert "jurisdiction\\: China" in _texts(app)  # the choice by name (escaped markdown), as on Search
    _go(app, "Search")  # and back: the search is still there
    assert app.text_input(key="q").value == "car-t" and app.multiselect(key="facet_jurisdiction").value == ["CN"]
    assert len(_frame(app, "results")) == n


def test_labels_are_rendered_as_text_not_html(data_copy, tmp_path, monkeypatch):
    """A product label with <script> or <img onerror=...> shows as text on every page."""
    from cgt_graph.graph.build import build

    p = data_copy / "products" / "demogene-parvovec.yaml"
    p.write_text(p.read_text().replace("brand_names: [Gammavec]", f"brand_names: ['{PAYLOAD}']"))
    store = tmp_path / "store"
    build(store, data_copy)
    at = _start(store, monkeypatch)
    label = f"{PAYLOAD} (demogene parvovec)"
    at.text_input(key="q").input("onerror").run()
    assert set(_frame(at, "results")["product"]) == {label}
    at.button(key="open_product").click().run()
    assert at.sidebar.radio(key="page").value == "Product"
    heading = at.subheader[0].value
    assert "<" not in heading.replace("\\<", "")  # every < is escaped: markdown shows it as a character
    for page in ["Product", "Graph", "Downloads", "Search"]:
        _go(at, page)
        for element in list(at.markdown) + list(at.subheader) + list(at.caption):
            assert "<" not in element.value.replace("\\<", ""), (page, element.value)  # only escaped <


def test_what_changed_lists_a_correction_between_two_releases(fixture_store, data_copy, tmp_path, monkeypatch):
    from cgt_graph.graph.build import build
    from cgt_graph.graph.store import open_read_only
    from cgt_graph.publish.release import release

    rel = tmp_path / "releases"
    release(open_read_only(fixture_store), rel, "2026-11-01", "2026-11-01")
    us = data_copy / "authorisations" / "US.yaml"
    us.write_text(us.read_text().replace("decision_date: 2018-03-15", "decision_date: 2018-03-16"))
    build(tmp_path / "store2", data_copy)
    release(open_read_only(tmp_path / "store2"), rel, "2026-11-23", "2026-11-23")
    monkeypatch.setenv("CGT_GRAPH_RELEASES", str(rel))
    at = _start(fixture_store, monkeypatch)
    _go(at, "What changed")
    table = [d.value for d in at.dataframe if "before" in d.value.columns][0]
    assert list(zip(table["change"], table["record"], table["before"], table["after"], strict=True)) == [
        ("Decision date corrected", "testcabtagene-autoleucel-us", "2018-03-15", "2018-03-16")]
    assert at.query_params["page"] == "What changed"


def test_what_changed_without_releases_says_how_to_make_them(app, tmp_path, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_RELEASES", str(tmp_path / "none"))
    _go(app, "What changed")
    assert "cgt-graph release --out FOLDER" in _texts(app)


def test_the_server_reads_ahead_what_the_first_page_needs(fixture_store, monkeypatch):
    """explore.py reads the Search page's rows when the server starts (common.warm_up): the first
    visit finds them read, and shows what a visit without the read-ahead shows."""
    from cgt_graph.explorer.pages import common

    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    _fresh_caches()
    common.warm_up()
    calls = []
    monkeypatch.setattr(explore, "search_rows", lambda *a: calls.append(a) or [])  # would be called on a miss
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and not calls
    ahead = _frame(at, "results")
    monkeypatch.undo()
    assert ahead.equals(_frame(_start(fixture_store, monkeypatch), "results")) and len(ahead) > 3


def test_a_store_that_cannot_be_read_ahead_is_reported_on_the_visit(tmp_path, monkeypatch, caplog):
    """A broken store stops the read-ahead with a warning in the server's log (no traceback, the
    server still starts); the page tells the person on their visit, as before."""
    from cgt_graph.explorer.pages import common

    (tmp_path / "not-a-build").mkdir()
    (tmp_path / "store").symlink_to(tmp_path / "not-a-build")
    monkeypatch.setenv("CGT_GRAPH_STORE", str(tmp_path / "store"))
    _fresh_caches()
    common.warm_up()
    assert "read-ahead stopped" in caplog.text and "Traceback" not in caplog.text
    _fresh_caches()
