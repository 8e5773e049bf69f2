"""SHACL shapes on small Turtle examples: valid ones conform, each invalid one fails
on the shape its file name says."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from cgt_graph import paths
from cgt_graph.graph.validate import load_shapes, shacl_problems

HERE = Path(__file__).parent / "shapes"
EXPECT = {
    "authorisation-without-source": ("prov:wasDerivedFrom", "MinCountConstraintComponent"),
    "authorisation-date-not-a-date": ("cgt:decisionDate", "OrConstraintComponent"),
    "authorisation-status-outside-vocabulary": ("cgt:status", "InConstraintComponent"),
    "authorisation-without-classification": ("cgt:classification", "MinCountConstraintComponent"),
    "source-evidence-outside-vocabulary": ("cgt:evidenceLevel", "InConstraintComponent"),
}


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(paths.ontology_dir())


def _data(path: Path) -> Graph:
    g = Graph().parse(path, format="turtle")
    g.parse(paths.ontology_dir() / "cgt.ttl", format="turtle")  # the fixed vocabularies
    return g


@pytest.mark.parametrize("path", sorted((HERE / "valid").glob("*.ttl")), ids=lambda p: p.stem)
def test_valid_examples_conform(path, shapes):
    assert shacl_problems(_data(path), shapes) == []


@pytest.mark.parametrize("path", sorted((HERE / "invalid").glob("*.ttl")), ids=lambda p: p.stem)
def test_invalid_examples_fail_on_the_named_shape(path, shapes):
    prop, component = EXPECT[path.stem]
    problems = shacl_problems(_data(path), shapes)
    assert any(prop.replace("prov:", "http://www.w3.org/ns/prov#") in p.message or prop in p.message
               for p in problems if p.rule == f"shacl:{component}"), problems


def test_compiled_shapes_are_cached_and_recompiled_when_the_shapes_change(tmp_path, monkeypatch):
    import shutil

    from cgt_graph.graph import shacl_sparql
    from cgt_graph.graph.validate import compiled_checks
    from cgt_graph.paths import ontology_dir

    monkeypatch.setenv("CGT_GRAPH_HOME", str(tmp_path / "home"))
    onto = tmp_path / "ontology"
    shutil.copytree(ontology_dir(), onto)
    first = compiled_checks(onto)
    assert first and list((tmp_path / "home" / "cache").glob("shapes-*.pickle"))

    calls = []
    real = shacl_sparql.compile_shapes
    monkeypatch.setattr(shacl_sparql, "compile_shapes", lambda g: calls.append(1) or real(g))
    assert [c.query for c in compiled_checks(onto)] == [c.query for c in first] and calls == []  # from the cache

    shapes = onto / "shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8").replace("sh:minCount 1", "sh:minCount 2", 1), encoding="utf-8")
    changed = compiled_checks(onto)
    assert calls == [1]  # the shapes changed: compiled again, not the stale checks
    assert [c.query for c in changed] != [c.query for c in first]
