"""IRIs come from record ids, never from brands (docs/iris.md): a rebrand keeps every IRI."""

from __future__ import annotations

from rdflib import URIRef

from cgt_graph.graph.build import compile_data
from cgt_graph.graph.vocab import CGT

from .conftest import FIXTURE_DATA

PRODUCT = URIRef("https://w3id.org/cgt-graph/id/product/demogene-parvovec")


def _subjects(data) -> set:
    ds = compile_data(data, shacl=False).dataset
    return {s for s, _, _, _ in ds.quads((None, None, None, None)) if isinstance(s, URIRef)}, ds


def test_renaming_a_brand_keeps_the_product_and_authorisation_iris(data_copy):
    before, _ = _subjects(FIXTURE_DATA)
    for path in [data_copy / "products" / "demogene-parvovec.yaml", *sorted((data_copy / "authorisations").glob("*.yaml"))]:
        path.write_text(path.read_text().replace("Gammavec", "Deltavec"))
    after, ds = _subjects(data_copy)
    assert after == before
    brands = {str(o) for _, _, o, _ in ds.quads((PRODUCT, CGT.brandName, None, None))}
    assert brands == {"Deltavec"}


def test_graph_iris_do_not_depend_on_the_data_folder_name(tmp_path):
    import shutil

    elsewhere = tmp_path / "curated-copy"
    shutil.copytree(FIXTURE_DATA, elsewhere)
    names = [{str(g.identifier) for g in compile_data(d, shacl=False).dataset.graphs()} for d in (FIXTURE_DATA, elsewhere)]
    assert names[0] == names[1]
    assert "https://w3id.org/cgt-graph/graph/data/authorisations/EU" in names[1]
