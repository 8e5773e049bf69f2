"""The SHACL shapes run as SPARQL inside Oxigraph: the validator of the build.

pyshacl (validate.py) is the test oracle: it holds the whole graph in rdflib and
walks it in Python, which costs ~200 s and 3.5 GB at 2.5M triples. Here each
property shape of ontology/shapes.ttl becomes one or two SPARQL queries over an
Oxigraph store holding the data and the ontology (the union of its graphs), so
the work is done by Oxigraph's indexes.

Only the SHACL Core constructs the shapes use are compiled (targetClass;
property shapes with an IRI or inverse path; minCount, maxCount, datatype,
class, in, hasValue, pattern, nodeKind, minLength, maxLength, uniqueLang,
min/maxInclusive, min/maxExclusive, or of value constraints; message). Anything
else raises `Unsupported`, which the build reports as an error naming the
construct: a shape is never silently skipped. tests/test_scale.py checks that
pyshacl reports the same violations (focus node, path, constraint component,
value) on the shapes' examples and on data with injected errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pyoxigraph import BlankNode, Literal as OxLiteral, NamedNode, Store
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

SH = Namespace("http://www.w3.org/ns/shacl#")
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"


class Unsupported(Exception):
    """The shapes use a SHACL construct this compiler does not translate."""


@dataclass(frozen=True)
class Violation:
    """One validation result, in N-Triples-like text so both validators can be compared."""

    focus: str
    path: str  # "<p>" or "^<p>"
    component: str  # e.g. "MinCountConstraintComponent"
    value: str | None
    message: str

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        return (self.focus, self.path, self.component, self.value)


# value-constraint components: SPARQL expression that is true when ?v conforms
def _iri(node: Any) -> str:
    if not isinstance(node, URIRef):
        raise Unsupported(f"expected an IRI, got {node!r}")
    return f"<{node}>"


def _lit(node: Any) -> str:
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        text = '"' + str(node).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if node.language:
            return f"{text}@{node.language}"
        if node.datatype is not None:
            return f"{text}^^<{node.datatype}>"
        return text
    raise Unsupported(f"cannot write {node!r} in SPARQL")


_CASTS = {"date", "dateTime", "time", "gYear", "gYearMonth", "integer", "decimal", "double", "float",
          "boolean", "duration", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger"}


def _datatype_ok(dt: Any) -> str:
    d = _iri(dt)
    if str(dt) == XSD_NS + "string":
        return "(isLiteral(?v) && datatype(?v) = <http://www.w3.org/2001/XMLSchema#string>)"
    local = str(dt)[len(XSD_NS):] if str(dt).startswith(XSD_NS) else None
    wf = f" && COALESCE(isLiteral({d}(STR(?v))), false)" if local in _CASTS else ""
    return f"(isLiteral(?v) && datatype(?v) = {d}{wf})"


_NODE_KINDS = {
    "IRI": "isIRI(?v)", "BlankNode": "isBlank(?v)", "Literal": "isLiteral(?v)",
    "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))", "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
    "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
}
_COMPARE = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}


def _value_conditions(shapes: Graph, shape: Any, allow: set[str]) -> list[tuple[str, str, Any]]:
    """(component, SPARQL condition on ?v, parameter) for each value constraint of `shape`."""
    out: list[tuple[str, str, Any]] = []
    flags = shapes.value(shape, SH.flags)
    for p, o in shapes.predicate_objects(shape):
        name = str(p)[len(str(SH)):] if str(p).startswith(str(SH)) else None
        if name is None or name in allow or name == "flags":
            continue
        if name == "datatype":
            out.append(("DatatypeConstraintComponent", _datatype_ok(o), o))
        elif name == "class":
            out.append(("ClassConstraintComponent", f"EXISTS {{ ?v {_TYPE} {_iri(o)} }}", o))
        elif name == "in":
            members = list(Collection(shapes, o))
            cond = " || ".join(f"sameTerm(?v, {_lit(m)})" for m in members) or "false"
            out.append(("InConstraintComponent", f"({cond})", o))
        elif name == "hasValue" and "hasValue-as-value" in allow:
            out.append(("HasValueConstraintComponent", f"sameTerm(?v, {_lit(o)})", o))
        elif name == "pattern":
            pat = _lit(Literal(str(o)))
            fl = f", {_lit(Literal(str(flags)))}" if flags is not None else ""
            out.append(("PatternConstraintComponent", f"(!isBlank(?v) && regex(STR(?v), {pat}{fl}))", o))
        elif name == "nodeKind":
            kind = str(o)[len(str(SH)):]
            if kind not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {o}")
            out.append(("NodeKindConstraintComponent", _NODE_KINDS[kind], o))
        elif name in ("minLength", "maxLength"):
            op = ">=" if name == "minLength" else "<="
            out.append((name[0].upper() + name[1:] + "ConstraintComponent",
                        f"(!isBlank(?v) && STRLEN(STR(?v)) {op} {int(str(o))})", o))
        elif name in _COMPARE:
            out.append((name[0].upper() + name[1:] + "ConstraintComponent", f"(?v {_COMPARE[name]} {_lit(o)})", o))
        elif name == "or":
            alts = []
            for alt in Collection(shapes, o):
                conds = _value_conditions(shapes, alt, {"hasValue-as-value"})
                kinds = {str(p2) for p2 in shapes.predicates(alt)} - {str(RDF.type)}
                if not conds or len(conds) != len(kinds):
                    raise Unsupported("sh:or member with constraints other than value constraints")
                alts.append("(" + " && ".join(f"COALESCE({c}, false)" for _, c, _ in conds) + ")")
            out.append(("OrConstraintComponent", "(" + " || ".join(alts) + ")", o))
        else:
            raise Unsupported(f"sh:{name}")
    return out


@dataclass
class _Check:
    query: str
    kind: str  # "count", "missing-value", "unique-lang", "values"
    path: str
    message: str | None
    components: list[tuple[str, Any]]
    min_count: int | None = None
    max_count: int | None = None
    node: str = ""  # the node shape
    target: str = ""  # the text selecting its focus nodes ?f (a restricted run puts VALUES ?f before it)
    classes: tuple[str, ...] = ()  # its target classes
    screen: tuple[str, ...] | None = None  # how shacl_screen.py finds candidate focus nodes; None: always run


_PROPERTY_KEYS = {"path", "minCount", "maxCount", "hasValue", "uniqueLang", "message", "name", "description",
                  "order", "group", "severity"}
_NODE_KEYS = {str(RDF.type), str(SH.targetClass), str(SH.property), str(SH.message)}


def _path(shapes: Graph, ps: Any) -> tuple[str, str]:
    """(shown path, triple pattern linking ?f to ?v)."""
    path = shapes.value(ps, SH.path)
    if isinstance(path, URIRef):
        return f"<{path}>", f"?f <{path}> ?v ."
    if isinstance(path, BNode):
        inv = shapes.value(path, SH.inversePath)
        if isinstance(inv, URIRef) and len(list(shapes.predicate_objects(path))) == 1:
            return f"^<{inv}>", f"?v <{inv}> ?f ."
    raise Unsupported(f"sh:path {path!r}")


def compile_shapes(shapes: Graph) -> list[_Check]:
    """The SPARQL checks for every node shape; raises Unsupported on constructs we do not translate."""
    checks: list[_Check] = []
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(SH.targetClass, None))
    for subj in set(shapes.subjects(SH.targetNode, None)) | set(shapes.subjects(SH.targetSubjectsOf, None)) | \
            set(shapes.subjects(SH.targetObjectsOf, None)):
        raise Unsupported(f"target other than sh:targetClass on {subj}")
    for ns in sorted(node_shapes, key=str):
        if shapes.value(ns, SH.deactivated) is not None:
            raise Unsupported("sh:deactivated")
        for p in shapes.predicates(ns):
            if str(p) not in _NODE_KEYS:
                raise Unsupported(f"node shape {ns} uses {p}")
        classes = sorted(shapes.objects(ns, SH.targetClass), key=str)
        if not classes:
            raise Unsupported(f"node shape {ns} without sh:targetClass")
        target = "VALUES ?target { " + " ".join(_iri(c) for c in classes) + f" }} ?f {_TYPE} ?target ."
        for ps in sorted(shapes.objects(ns, SH.property), key=str):
            for check in _property_checks(shapes, ps, target):
                check.node, check.target, check.classes = str(ns), target, tuple(_iri(c) for c in classes)
                checks.append(check)
    return checks


def _property_checks(shapes: Graph, ps: Any, target: str) -> list[_Check]:
    if shapes.value(ps, SH.deactivated) is not None:
        raise Unsupported("sh:deactivated")
    shown, pattern = _path(shapes, ps)
    msg = shapes.value(ps, SH.message)
    message = str(msg) if msg is not None else None
    out: list[_Check] = []
    lo = shapes.value(ps, SH.minCount)
    hi = shapes.value(ps, SH.maxCount)
    if lo is not None and int(lo) == 1:
        out.append(_Check(f"SELECT DISTINCT ?f WHERE {{ {target} FILTER NOT EXISTS {{ {pattern} }} }}",
                          "missing-value", shown, message, [("MinCountConstraintComponent", lo)], min_count=1,
                          screen=None if shown[0] == "^" else ("min", shown)))
    elif lo is not None and int(lo) > 1:
        out.append(_Check(f"SELECT ?f (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} OPTIONAL {{ {pattern} }} }} "
                          f"GROUP BY ?f HAVING (COUNT(DISTINCT ?v) < {int(lo)})",
                          "count", shown, message, [("MinCountConstraintComponent", lo)], min_count=int(lo)))
    if hi is not None:
        out.append(_Check(f"SELECT ?f (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {target} {pattern} }} "
                          f"GROUP BY ?f HAVING (COUNT(DISTINCT ?v) > {int(hi)})",
                          "count", shown, message, [("MaxCountConstraintComponent", hi)], max_count=int(hi),
                          screen=None if shown[0] == "^" or int(hi) != 1 else ("max", shown)))
    for hv in shapes.objects(ps, SH.hasValue):
        has = pattern.replace("?v", _lit(hv))
        out.append(_Check(f"SELECT DISTINCT ?f WHERE {{ {target} FILTER NOT EXISTS {{ {has} }} }}",
                          "missing-value", shown, message, [("HasValueConstraintComponent", hv)]))
    ul = shapes.value(ps, SH.uniqueLang)
    if ul is not None and ul.toPython() is True:
        out.append(_Check(f"SELECT ?f ?lang WHERE {{ {target} {pattern} BIND(LCASE(LANG(?v)) AS ?lang) "
                          f"FILTER(?lang != \"\") }} GROUP BY ?f ?lang HAVING (COUNT(DISTINCT ?v) > 1)",
                          "unique-lang", shown, message, [("UniqueLangConstraintComponent", ul)]))
    conds = _value_conditions(shapes, ps, _PROPERTY_KEYS)
    if conds:
        binds = " ".join(f"BIND(COALESCE({c}, false) AS ?ok{i})" for i, (_, c, _) in enumerate(conds))
        bad = " || ".join(f"!?ok{i}" for i in range(len(conds)))
        cols = " ".join(f"?ok{i}" for i in range(len(conds)))
        ok = " && ".join(f"COALESCE({c}, false)" for _, c, _ in conds)
        out.append(_Check(f"SELECT DISTINCT ?f ?v {cols} WHERE {{ {target} {pattern} {binds} FILTER({bad}) }}",
                          "values", shown, message, [(comp, param) for comp, _, param in conds],
                          screen=None if shown[0] == "^" else ("values", shown, f"!({ok})")))
    return out


def _text(term: Any) -> str:
    """pyoxigraph term -> the N-Triples-like text both validators compare."""
    if isinstance(term, NamedNode):
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, OxLiteral):
        dt = term.datatype.value if term.datatype is not None else None
        if term.language:
            return f'"{term.value}"@{term.language}'
        if dt and dt != XSD_NS + "string":
            return f'"{term.value}"^^<{dt}>'
        return f'"{term.value}"'
    return str(term)


def _default_message(component: str, param: Any, n: int | None = None) -> str:
    short = component.replace("ConstraintComponent", "")
    if short == "MinCount":
        return f"Less than {param} values"
    if short == "MaxCount":
        return f"More than {param} values"
    if short == "HasValue":
        return f"Missing expected value {param}"
    if short == "UniqueLang":
        return "More than one value shares a language tag"
    if short == "Or":
        return "Value does not conform to any shape in sh:or"
    if short == "In":
        return "Value not in the list of allowed values"
    return f"Value does not conform to sh:{short[0].lower() + short[1:]} {param}"


def sparql_violations(store: Store, shapes: Graph | list[_Check],
                      on_check: Callable[[_Check, float], None] | None = None) -> list[Violation]:
    """Run every compiled check on `store` (data and ontology; the union of its graphs), screened first:
    see shacl_screen.py. `shapes`: the shapes graph, or its checks already compiled."""
    from cgt_graph.graph.shacl_screen import run_checks  # it imports this module

    return run_checks(store, shapes if isinstance(shapes, list) else compile_shapes(shapes), on_check)


def rdflib_text(term: Any) -> str | None:
    """rdflib term -> the same text as `_text` (for pyshacl's report)."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language}'
        if term.datatype is not None and str(term.datatype) != XSD_NS + "string":
            return f'"{term}"^^<{term.datatype}>'
        return f'"{term}"'
    return str(term)
