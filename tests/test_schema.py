"""The one schema (schema/cgt_graph.yaml) and what is generated from it."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from cgt_graph import paths
from cgt_graph.curation import schema as gen
from cgt_graph.curation.model import model


def test_generated_files_are_fresh():
    stale = [str(p) for p, text in gen.targets().items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert not stale, f"stale: {stale}; run `python -m cgt_graph.curation.schema`"


@pytest.fixture
def edited_schema(tmp_path, monkeypatch):
    """A copy of the schema where the authorisation's holder is an integer instead of text."""
    d = tmp_path / "schema"
    d.mkdir()
    text = (paths.schema_dir() / "cgt_graph.yaml").read_text(encoding="utf-8")
    old = "holder: {required: true, slot_uri: cgt:holderName"
    assert old in text
    (d / "cgt_graph.yaml").write_text(text.replace(old, "holder: {range: integer, required: true, slot_uri: cgt:holderName"), encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(paths.schema_dir().parent / "docs" / "data-format.md", docs / "data-format.md")
    monkeypatch.setenv("CGT_GRAPH_SCHEMA", str(d))
    return tmp_path


def _holder_row(files, root):
    shapes = next(t for p, t in files.items() if p.name == "shapes.ttl")
    jsonschema = json.loads(next(t for p, t in files.items() if p.name == "authorisation.schema.json"))
    docs = files[root / "docs" / "data-format.md"]
    shape = next(line for line in shapes.splitlines() if "sh:path cgt:holderName" in line)
    prop = jsonschema["$defs"]["MarketingAuthorisation"]["properties"]["holder"]
    section = docs[docs.index("(authorisation)"):]
    row = next(line for line in section.splitlines() if line.startswith("| `holder` |"))
    return shape, prop, row


def test_changing_a_field_type_in_the_schema_changes_shapes_json_schema_and_docs(edited_schema):
    root = paths.ontology_dir().parent
    committed = {p: p.read_text(encoding="utf-8") for p in (paths.ontology_dir() / "shapes.ttl",
                 root / "schema" / "json" / "authorisation.schema.json", root / "docs" / "data-format.md")}
    before = _holder_row(committed, root)
    assert "sh:datatype xsd:string" in before[0]
    assert before[1].get("type") == "string"
    assert "| non-empty text |" in before[2]
    after = _holder_row(gen.targets(edited_schema), edited_schema)
    assert "sh:datatype xsd:integer" in after[0]
    assert after[1].get("type") == "integer"
    assert "| integer |" in after[2]


def test_the_checks_follow_the_schema(edited_schema, data_copy, cli):
    """The per-record checks read the same schema: with holder an integer, text holders fail."""
    code, _, err = cli("validate", "--no-shacl", "--data", str(data_copy))
    assert code == 1
    assert re.search(r"authorisations/\w+\.yaml:\d+ \([\w-]+\): \[type\] holder must be an integer", err), err


def test_linkml_reads_the_same_fields_as_the_build():
    """model.py reads the schema with PyYAML; LinkML's own SchemaView must see the same slots."""
    from linkml_runtime.utils.schemaview import SchemaView

    sv = SchemaView(str(paths.schema_dir() / "cgt_graph.yaml"))
    m = model()
    for cls in m.classes.values():
        induced = {s.name for s in sv.class_induced_slots(cls.name)}
        assert {f.name for f in cls.fields} == induced, cls.name
        for f in cls.keys:
            slot = sv.induced_slot(f.name, cls.name)
            assert bool(slot.required) == f.required, (cls.name, f.name)
            assert bool(slot.multivalued) == f.multivalued, (cls.name, f.name)
            assert (slot.range or "text") == f.range, (cls.name, f.name)


def test_json_schema_accepts_the_real_data():
    """As an editor sees the files: dates are text (YAML's timestamp type is not JSON)."""
    import jsonschema
    import yaml

    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    root = paths.data_dir()
    schemas = {}
    for p in (paths.schema_dir() / "json").glob("*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(doc)
        cls.check_schema(doc)
        schemas[p.name.split(".")[0]] = cls(doc)
    where = {"authorisations": "authorisation", "designations": "designation", "agencies": "agency",
             "sources": "source", "policies": "policy", "claims": "claim", "products": "product",
             "classifications": "classification"}
    checked = 0
    for folder, kind in where.items():
        for f in sorted((root / folder).glob("*.yaml")):
            schemas[kind].validate(yaml.load(f.read_text(encoding="utf-8"), Loader=Loader))  # noqa: S506
            checked += 1
    assert checked > 100
