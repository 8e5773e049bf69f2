"""Refuse hostile SPARQL before it reaches a parser.

Oxigraph executes SERVICE as an outbound HTTP request with no timeout, crashes
on about 2,200 nested braces, and cannot cancel a running query
(shared/NOTES.md). So every user query is screened here first; what passes
is still run under a deadline in a worker process (`server.py`).

SPARQL applies \\uXXXX / \\UXXXXXXXX escapes to the whole query text before
parsing, so the screen works on the unescaped text: `SERV\\u0049CE` is SERVICE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 50_000
MAX_NESTING = 64
MAX_LITERAL_CHARS = 4_000
MAX_REGEX_CHARS = 500

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# IRIs <...>, strings (long and short, both quotes), comments
_TOKEN = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\')'
    r'|(?P<str>"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\s]*>)'
    r'|(?P<comment>#[^\n]*)',
    re.S,
)
_FORBIDDEN = {
    "SERVICE": "SERVICE (federated query) makes outbound requests; this endpoint answers from its own store only",
    "LOAD": "LOAD fetches remote data; this endpoint is read-only",
    "INSERT": "updates are refused: this endpoint is read-only",
    "DELETE": "updates are refused: this endpoint is read-only",
    "CLEAR": "updates are refused: this endpoint is read-only",
    "DROP": "updates are refused: this endpoint is read-only",
    "CREATE": "updates are refused: this endpoint is read-only",
    "COPY": "updates are refused: this endpoint is read-only",
    "MOVE": "updates are refused: this endpoint is read-only",
    "ADD": "updates are refused: this endpoint is read-only",
}
# a bare keyword: not a ?variable, $variable, prefix: or :local name
_WORD = re.compile(r"(?<![?$:\w-])([A-Za-z_]+)(?![:\w-])")
_NESTED_QUANTIFIER = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


@dataclass(frozen=True)
class Refusal(Exception):
    """A query refused before parsing: an HTTP status and a message for the client."""

    status: int
    message: str

    def __str__(self) -> str:
        return self.message


def unescape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise Refusal(400, f"invalid escape \\u{code:x}")
        return chr(code)
    return _ESCAPE.sub(sub, text)


def screen(query: str) -> str:
    """Return the query if it may be run; raise Refusal otherwise."""
    if len(query) > MAX_QUERY_CHARS:
        raise Refusal(413, f"query text over {MAX_QUERY_CHARS} characters")
    text = unescape(query)
    code_parts: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        code_parts.append(text[pos:m.start()])
        pos = m.end()
        kind = m.lastgroup
        token = m.group(0)
        if kind in ("long", "str"):
            body = token[3:-3] if kind == "long" else token[1:-1]
            if len(body) > MAX_LITERAL_CHARS:
                raise Refusal(413, f"string literal over {MAX_LITERAL_CHARS} characters")
            code_parts.append(' "" ')
            _check_regex_literal(text, m.start(), body)
        elif kind == "iri":
            if len(token) > MAX_LITERAL_CHARS:
                raise Refusal(413, f"IRI over {MAX_LITERAL_CHARS} characters")
            code_parts.append(" <> ")
        else:
            code_parts.append(" ")
    code_parts.append(text[pos:])
    code = "".join(code_parts)
    depth = deepest = 0
    for ch in code:
        if ch in "{([":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                raise Refusal(400, f"nesting deeper than {MAX_NESTING} brackets")
        elif ch in "})]":
            depth -= 1
    for word in _WORD.findall(code):
        reason = _FORBIDDEN.get(word.upper())
        if reason:
            raise Refusal(403 if word.upper() != "SERVICE" else 400, reason)
    return query


def _check_regex_literal(text: str, start: int, body: str) -> None:
    """A literal that is the pattern of REGEX/REPLACE: bounded size, no nested quantifiers."""
    before = text[max(0, start - 200):start]
    call = re.search(r"(REGEX|REPLACE)\s*\((?:[^()]|\([^()]*\))*,\s*$", before, re.I)
    if not call:
        return
    if len(body) > MAX_REGEX_CHARS:
        raise Refusal(400, f"regular expression over {MAX_REGEX_CHARS} characters")
    if _NESTED_QUANTIFIER.search(body):
        raise Refusal(400, "regular expression with nested quantifiers (catastrophic backtracking) refused")
