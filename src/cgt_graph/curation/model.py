"""The data model, read from the one schema file (`schema/cgt_graph.yaml`, LinkML).

The build reads the schema with PyYAML, not with LinkML's runtime: the subset used here
(classes, attributes, ranges, required, multivalued, patterns, enumerations, and a few
annotations this project defines, documented at the top of the schema) is small, and the
runtime would add seconds of import time to every command. LinkML itself generates the JSON
Schema (`curation/schema.py`), and a test checks that LinkML's SchemaView reads the same fields.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cgt_graph import paths

# types whose pattern failure has its own rule name (kept from before the schema: curators know them)
TYPE_RULES = {"slug": "id-format", "jurisdiction_code": "jurisdiction-code", "http_url": "url",
              "partial_date": "date-format"}
BUILTIN = {"string": None, "integer": None, "date": None, "uri": None, "boolean": None}


@dataclass(frozen=True)
class Enum:
    name: str
    values: tuple[str, ...]
    meanings: dict[str, str]           # value -> CURIE (empty for literal enums)
    enum_uri: str | None
    literal: bool


@dataclass(frozen=True)
class Field:
    name: str
    range: str                          # a type, an enum name or a class name
    required: bool = False
    multivalued: bool = False
    pattern: str | None = None          # the attribute's own pattern (the type's is in Model.types)
    slot_uri: str | None = None
    description: str = ""
    rdf_only: bool = False
    identifier: bool = False
    annotations: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Class:
    name: str
    class_uri: str | None
    kind: str | None                    # the record kind in data/, None for inline classes
    files: str | None
    sourced: bool
    description: str
    fields: tuple[Field, ...]           # YAML keys first (canonical order), then RDF-only properties

    @property
    def keys(self) -> list[Field]:
        return [f for f in self.fields if not f.rdf_only]

    def get(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name and not f.rdf_only), None)


@dataclass(frozen=True)
class Type:
    name: str
    base: str                           # string, integer, uri
    pattern: str | None
    minimum: int | None
    uri: str | None
    description: str
    check: str | None


@dataclass
class Model:
    source: dict[str, Any]
    prefixes: dict[str, str]
    classes: dict[str, Class]
    enums: dict[str, Enum]
    types: dict[str, Type]

    def by_kind(self, kind: str) -> Class:
        for c in self.classes.values():
            if c.kind == kind:
                return c
        raise KeyError(kind)

    @property
    def record_classes(self) -> list[Class]:
        return [c for c in self.classes.values() if c.kind]

    def expand(self, curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return self.prefixes[prefix] + local if prefix in self.prefixes else curie

    def type_of(self, f: Field) -> Type | None:
        return self.types.get(f.range)

    def kind_of(self, class_name: str) -> str | None:
        c = self.classes.get(class_name)
        return c.kind if c else None


def schema_path() -> Path:
    return paths.schema_dir() / "cgt_graph.yaml"


def _ann(node: dict[str, Any]) -> dict[str, Any]:
    return dict(node.get("annotations") or {})


def _fields(name: str, raw: dict[str, Any], default_range: str) -> list[Field]:
    out = []
    for fname, spec in (raw.get("attributes") or {}).items():
        spec = spec or {}
        ann = _ann(spec)
        out.append(Field(
            name=fname, range=spec.get("range", default_range), required=bool(spec.get("required")),
            multivalued=bool(spec.get("multivalued")), pattern=spec.get("pattern"),
            slot_uri=spec.get("slot_uri"), description=spec.get("description", ""),
            rdf_only=bool(ann.get("rdf_only")), identifier=bool(spec.get("identifier")), annotations=ann))
    return out


def parse(source: dict[str, Any]) -> Model:
    default_range = source.get("default_range", "string")
    raw_classes: dict[str, Any] = source.get("classes") or {}
    types = {n: Type(n, t.get("typeof", "string"), t.get("pattern"), t.get("minimum_value"), t.get("uri"),
                     t.get("description", ""), _ann(t).get("check"))
             for n, t in (source.get("types") or {}).items()}
    enums = {}
    for n, e in (source.get("enums") or {}).items():
        pv = e.get("permissible_values") or {}
        enums[n] = Enum(n, tuple(pv), {k: (v or {}).get("meaning", "") for k, v in pv.items()},
                        e.get("enum_uri"), bool(_ann(e).get("literal")))
    classes = {}
    for name, raw in raw_classes.items():
        if raw.get("abstract"):
            continue
        own = _fields(name, raw, default_range)
        inherited: list[Field] = []
        for mixin in raw.get("mixins") or []:
            inherited += _fields(mixin, raw_classes[mixin], default_range)
        parent = raw.get("is_a")
        while parent:
            inherited += _fields(parent, raw_classes[parent], default_range)
            parent = raw_classes[parent].get("is_a")
        names = {f.name for f in own}
        keys = [f for f in own if not f.rdf_only] + [f for f in inherited if f.name not in names]
        rdf_only = [f for f in own if f.rdf_only]
        sourced = any(_ann(raw_classes[m]).get("sourced") for m in raw.get("mixins") or [])
        ann = _ann(raw)
        classes[name] = Class(name, raw.get("class_uri"), ann.get("kind"), ann.get("files"), sourced,
                              raw.get("description", ""), tuple(keys + rdf_only))
    return Model(source, dict(source.get("prefixes") or {}), classes, enums, types)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Model:
    with open(path, encoding="utf-8") as fh:
        return parse(yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # libyaml: 9x quicker


def model(path: Path | None = None) -> Model:
    p = path or schema_path()
    return _load(str(p), p.stat().st_mtime)


def compiled_pattern(text: str) -> re.Pattern[str]:
    return _compiled(text)


@functools.lru_cache(maxsize=64)
def _compiled(text: str) -> re.Pattern[str]:
    return re.compile(text)


_INLINE = {"citation": "Citation", "event": "StatusEvent"}


def class_for(kind: str) -> Class | None:
    """The class of a record kind, or of an inline mapping (`citation`, `event`)."""
    m = model()
    if kind in _INLINE:
        return m.classes.get(_INLINE[kind])
    return next((c for c in m.record_classes if c.kind == kind), None)


def field_order(kind: str) -> list[str]:
    """The canonical key order of a record kind or an inline class (for `lint`)."""
    if kind == "classification-file":
        return ["scheme", "classes"]
    cls = class_for(kind)
    return [f.name for f in cls.keys] if cls else []
