"""The first explorer, run in-process with Streamlit's AppTest on the fixture store."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app(fixture_store, monkeypatch):
    monkeypatch.setenv("CGT_GRAPH_STORE", str(fixture_store))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_search_and_see_sources(app):
    app.text_input[0].input("car-t").run()
    assert "2 of 3 products" in " ".join(m.value for m in app.markdown)
    app.selectbox[0].select("testcabtagene-autoleucel").run()
    frame = app.dataframe[1].value
    assert set(frame["jurisdiction"]) == {"US", "EU", "CN"}
    assert "https://example.org/eu/register" in set(frame["url"])
    assert set(frame["evidence"]) == {"official", "news"}
