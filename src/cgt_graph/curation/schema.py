"""Generate, from the one schema (`schema/cgt_graph.yaml`), everything else that states the model.

    python -m cgt_graph.curation.schema          # rewrite the generated files
    python -m cgt_graph.curation.schema --check  # exit 1 naming each stale file

* `ontology/shapes.ttl`: SHACL for the published RDF. Written here rather than by LinkML's
  `gen-shacl`, which describes LinkML's own RDF form: closed shapes, `xsd:date` for our dates of
  three precisions, no shapes for the citations every fact carries. Ours keeps to the SHACL
  subset `graph/shacl_sparql.py` compiles to SPARQL (minCount, maxCount, class, datatype, in,
  hasValue, or, pattern, nodeKind, uniqueLang, minInclusive).
* `schema/json/<kind>.schema.json`: JSON Schema for editors of `data/*.yaml`, from LinkML's
  `JsonSchemaGenerator` (one file per kind of data file; year-only dates may be YAML integers).
* the field reference in `docs/data-format.md`, between its GENERATED markers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cgt_graph import paths
from cgt_graph.curation.model import Class, Field, Model, model, schema_path

DOCS_BEGIN = "<!-- GENERATED from schema/cgt_graph.yaml by `python -m cgt_graph.curation.schema`: do not edit -->"
DOCS_END = "<!-- END GENERATED -->"
DATE_OR = "sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYearMonth ] [ sh:datatype xsd:gYear ] )"
WIKIDATA_PATTERN = "^http://www\\\\.wikidata\\\\.org/entity/Q[0-9]+$"


def _lit(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def _constraints(m: Model, f: Field, shared_path: bool) -> list[str]:
    out: list[str] = []
    if f.required or f.annotations.get("rdf_required"):
        out.append("sh:minCount 1")
    if not f.multivalued and not shared_path:
        out.append("sh:maxCount 1")
    if f.annotations.get("has_value"):
        out.append(f"sh:hasValue {f.annotations['has_value']}")
        return out
    if f.annotations.get("one_of"):
        out.append("sh:in ( " + " ".join(_lit(v) for v in str(f.annotations["one_of"]).split()) + " )")
        return out
    if f.range in m.enums:
        e = m.enums[f.range]
        values = [_lit(v) for v in e.values] if e.literal else [e.meanings[v] for v in e.values]
        out.append("sh:in ( " + " ".join(values) + " )")
        return out
    cls = m.classes.get(f.range)
    if cls is not None:
        if f.annotations.get("or_value_uri"):
            out.append(f"sh:or ( [ sh:class {cls.class_uri} ] [ sh:hasValue {f.annotations['or_value_uri']} ] )")
        elif cls.class_uri:
            out.append(f"sh:class {cls.class_uri}")
        return out
    t = m.types.get(f.range)
    base = t.base if t else f.range
    if f.annotations.get("rdf_node") == "wikidata":
        out += ["sh:nodeKind sh:IRI", f'sh:pattern "{WIKIDATA_PATTERN}"']
        return out
    if t and t.check == "date":
        out.append(DATE_OR)
        return out
    if base in ("decimal", "float"):
        out.append("sh:or ( [ sh:datatype xsd:integer ] [ sh:datatype xsd:decimal ] )")
        if t and t.minimum is not None:
            out.append(f"sh:minInclusive {t.minimum}")
        return out
    if base == "integer":
        out.append("sh:datatype xsd:integer")
        if t and t.minimum is not None:
            out.append(f"sh:minInclusive {t.minimum}")
        return out
    if base == "date":
        out.append("sh:datatype xsd:date")
        return out
    if f.annotations.get("lang"):
        if f.annotations.get("unique_lang"):
            out.append("sh:uniqueLang true")
        return out
    out.append(f"sh:datatype {t.uri if t and t.uri else 'xsd:string'}")
    pattern = (t.pattern if t and t.name not in ("text",) else None) or f.pattern
    if pattern:
        out.append("sh:pattern " + _lit(pattern))
    return out


def _property_fields(m: Model, cls: Class) -> list[Field]:
    """The fields of a class that are RDF properties of its node (inline identifier classes merged in)."""
    out: list[Field] = []
    for f in cls.fields:
        inline = m.classes.get(f.range)
        if inline is not None and inline.kind is None and inline.class_uri is None:
            out += [g for g in inline.fields if g.slot_uri]
        elif f.slot_uri and f.name != "sources":
            out.append(f)
    return out


def shapes_ttl(m: Model) -> str:
    lines = [
        "# SHACL shapes for cgt-graph, GENERATED from schema/cgt_graph.yaml by",
        "# `python -m cgt_graph.curation.schema`: edit the schema, not this file.",
    ]
    lines += [f"@prefix {p}: <{iri}> ." for p, iri in sorted(m.prefixes.items()) if p != "linkml"]
    lines += [
        "@prefix sh: <http://www.w3.org/ns/shacl#> .",
        "@prefix cgtsh: <https://w3id.org/cgt-graph/shapes#> .",
        "",
        "cgtsh:sourced a sh:PropertyShape ;",
        "    sh:path prov:wasDerivedFrom ; sh:minCount 1 ; sh:class cgt:Source ;",
        '    sh:message "every fact needs at least one source (prov:wasDerivedFrom a cgt:Source)" .',
        "cgtsh:qualified a sh:PropertyShape ;",
        "    sh:path prov:qualifiedDerivation ; sh:minCount 1 ; sh:class cgt:Citation ;",
        '    sh:message "every fact needs a qualified citation (quote, confidence)" .',
    ]
    for cls in m.classes.values():
        if not cls.class_uri:
            continue
        fields = _property_fields(m, cls)
        uses: dict[str, int] = {}
        for f in fields:
            uses[f.slot_uri or ""] = uses.get(f.slot_uri or "", 0) + 1
        lines += ["", f"cgtsh:{cls.name}Shape a sh:NodeShape ;", f"    sh:targetClass {cls.class_uri} ;"]
        if cls.sourced:
            lines.append("    sh:property cgtsh:sourced , cgtsh:qualified ;")
        for f in fields:
            shared = uses[f.slot_uri or ""] > 1 or (cls.name == "MedicinalProduct" and f.name == "brand_names")
            parts = [f"sh:path {f.slot_uri}", f"sh:name {_lit(f.name)}"] + _constraints(m, f, shared)
            lines.append("    sh:property [ " + " ; ".join(parts) + " ] ;")
        lines[-1] = lines[-1][:-2] + " ."
    return "\n".join(lines) + "\n"


def json_schemas(m: Model) -> dict[str, str]:
    """kind -> JSON Schema text for one data file of that kind (LinkML's generator)."""
    from linkml.generators.jsonschemagen import JsonSchemaGenerator

    gen = JsonSchemaGenerator(str(schema_path()), mergeimports=True)
    base = json.loads(gen.serialize())
    defs = base["$defs"]
    for cname, cls in m.classes.items():  # LinkML writes fda-stn as fda_stn; RDF-only slots are no YAML keys
        d = defs.get(cname)
        if d is None:
            continue
        props = d.get("properties") or {}
        for f in cls.fields:
            key = f.name.replace("-", "_")
            if f.rdf_only:
                props.pop(key, None)
                if f.name in d.get("required", []):
                    d["required"].remove(f.name)
            elif key != f.name and key in props:
                props[f.name] = props.pop(key)
    for d in defs.values():
        for spec in (d.get("properties") or {}).values():
            if spec.get("pattern") == m.types["partial_date"].pattern:  # YAML reads 2018 as an integer
                spec.pop("type", None)
                spec["anyOf"] = [{"type": "string"}, {"type": "integer", "minimum": 1000, "maximum": 9999}]
    out = {}
    for cls in m.record_classes:
        if cls.kind in ("scheme", "class"):
            continue
        if cls.kind == "product":
            top: dict[str, Any] = {"$ref": f"#/$defs/{cls.name}"}
        else:
            top = {"type": "array", "items": {"$ref": f"#/$defs/{cls.name}"}}
        doc = {"$schema": "https://json-schema.org/draft/2019-09/schema",
               "$id": f"https://w3id.org/cgt-graph/schema/json/{cls.kind}.schema.json",
               "title": f"cgt-graph data file: {cls.files}", **top, "$defs": defs}
        out[cls.kind or ""] = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    scheme, klass = m.by_kind("scheme"), m.by_kind("class")
    doc = {"$schema": "https://json-schema.org/draft/2019-09/schema",
           "$id": "https://w3id.org/cgt-graph/schema/json/classification.schema.json",
           "title": "cgt-graph data file: classifications/<scheme>.yaml", "type": "object",
           "required": ["scheme", "classes"], "additionalProperties": False,
           "properties": {"scheme": {"$ref": f"#/$defs/{scheme.name}"},
                          "classes": {"type": "array", "items": {"$ref": f"#/$defs/{klass.name}"}}},
           "$defs": defs}
    out["classification"] = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    return out


def _type_text(m: Model, f: Field) -> str:
    if f.range in m.enums:
        words = "one of " + ", ".join(f"`{v}`" for v in m.enums[f.range].values)
    elif f.range in m.classes:
        c = m.classes[f.range]
        words = f"a {c.kind} id" if c.kind else f"{c.name} (below)"
        if f.annotations.get("or_value"):
            words += f", or `{f.annotations['or_value']}`"
    elif f.range in m.types:
        words = m.types[f.range].description or f.range
    else:
        words = f.range
    return f"list: {words}" if f.multivalued else words


def docs_markdown(m: Model) -> str:
    out = [DOCS_BEGIN, ""]
    inline_seen: list[str] = []
    for cls in [*m.record_classes, *(c for c in m.classes.values() if not c.kind and c.keys and c.name != "ClassAssignment")]:
        title = f"`{cls.files}` ({cls.kind})" if cls.kind else f"{cls.name} (inside a record)"
        if not cls.kind and cls.name in inline_seen:
            continue
        inline_seen.append(cls.name)
        out += [f"### {title}", ""]
        if cls.description:
            out += [cls.description, ""]
        out += ["| field | required | type | meaning |", "|---|---|---|---|"]
        for f in cls.keys:
            meaning = f.description.replace("|", "\\|").replace("\n", " ")
            out.append(f"| `{f.name}` | {'yes' if f.required else 'no'} | {_type_text(m, f)} | {meaning} |")
        out.append("")
    out.append(DOCS_END)
    return "\n".join(out)


def targets(root: Path | None = None) -> dict[Path, str]:
    """Every generated file and its text."""
    m = model()
    root = root or paths.schema_dir().parent
    files = {paths.ontology_dir() / "shapes.ttl": shapes_ttl(m)}
    for kind, text in json_schemas(m).items():
        files[paths.schema_dir() / "json" / f"{kind}.schema.json"] = text
    doc = root / "docs" / "data-format.md"
    current = doc.read_text(encoding="utf-8")
    a, b = current.find(DOCS_BEGIN), current.find(DOCS_END)
    if a < 0 or b < 0:
        raise SystemExit(f"{doc}: the GENERATED markers are missing")
    files[doc] = current[:a] + docs_markdown(m) + current[b + len(DOCS_END):]
    return files


def main(argv: list[str] | None = None) -> int:
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    for path, text in targets().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for p in stale:
        print(f"{p}: {'stale' if check else 'written'}", file=sys.stderr)
    if check and stale:
        print("fix with: python -m cgt_graph.curation.schema", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
