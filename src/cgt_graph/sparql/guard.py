"""Refuse hostile SPARQL before it reaches a parser: the first, cheap line of defence.

What keeps a query from reaching the network is not this screen but the worker it runs in:
`nonet.deny_network()` removes the worker process's ability to open an internet socket
(shared/NOTES.md: Oxigraph executes SERVICE as an outbound request and has no switch). The
screen refuses early, with a clear message, what would fail or harm there: SERVICE and
updates, text too long, nesting deep enough to overflow the parser's stack (about 2,200
braces crash the process), literals and IRIs too large.

It follows SPARQL 1.1's lexical rules (grammar section 19.8): \\uXXXX / \\UXXXXXXXX escapes
are applied to the whole text first, as Oxigraph does; then the text is cut into terminals,
so a keyword inside a string, an IRI, a comment, a language tag, a variable or a prefixed
name (escapes such as `\\#` or `\\'` included) is not a keyword, and a real keyword cannot
hide inside something the screen misread as a string. A text that cannot be cut into
SPARQL's terminals is refused (the parser would refuse it too). Oxigraph reads `SERVICE:x`
as the keyword followed by `:x`, so a prefixed name whose prefix is a refused keyword is
refused too (except in its own PREFIX declaration).

Oxigraph's regex engine runs in linear time (NOTES), so regular expressions are only bounded
in size like every other literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY_CHARS = 50_000
MAX_NESTING = 64
MAX_LITERAL_CHARS = 4_000

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# SPARQL 1.1 grammar, section 19.8 (productions 139-173)
_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF"
                  "\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD"
                  "\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_LOCAL = (f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             f"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"
_ECHAR = r"\\[tbnrf\\\"']"

_TOKEN = re.compile("|".join([
    r"(?P<ws>[\x20\t\r\n]+)",
    r"(?P<comment>#[^\r\n]*)",
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    f"(?P<long>'''(?:(?:'|'')?(?:[^'\\\\]|{_ECHAR}))*'''|\"\"\"(?:(?:\"|\"\")?(?:[^\"\\\\]|{_ECHAR}))*\"\"\")",
    f"(?P<str>'(?:[^'\\\\\\n\\r]|{_ECHAR})*'|\"(?:[^\"\\\\\\n\\r]|{_ECHAR})*\")",
    f"(?P<pname>(?P<prefix>{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
    f"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
    f"(?P<var>[?$]{_VARNAME})",
    r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.)",
    r"(?P<open>[{(\[])",
    r"(?P<close>[})\]])",
    r"(?P<punct>\^\^|\|\||&&|!=|<=|>=|[.,;*=<>!+\-/|^?$])",
]))

_READ_ONLY = "updates are refused: this endpoint is read-only"
_FORBIDDEN = {
    "SERVICE": (400, "SERVICE (federated query) is refused: this endpoint answers from its own store only"),
    "LOAD": (403, "LOAD is refused: this endpoint is read-only"),
    **{w: (403, _READ_ONLY) for w in ("INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "COPY", "MOVE", "ADD", "WITH")},
}


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


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def screen(query: str) -> str:
    """Return the query if it may be run; raise Refusal otherwise."""
    return check(query).text


@dataclass(frozen=True)
class Screened:
    """A query that passed the screen; `declares_dataset`: it has FROM / FROM NAMED clauses
    (the endpoint then lets the query choose its dataset instead of the union of all graphs)."""

    text: str
    declares_dataset: bool


def check(query: str) -> Screened:
    """Screen the query (raise Refusal) and report what the endpoint needs to run it."""
    if len(query) > MAX_QUERY_CHARS:
        raise Refusal(413, f"query text over {MAX_QUERY_CHARS} characters")
    text = unescape(query)
    pos, depth, previous_word, declares_dataset = 0, 0, "", False
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise Refusal(400, f"SPARQL syntax error at {_line_col(text, pos)}: unexpected {text[pos]!r}")
        kind = m.lastgroup
        token = m.group(0)
        pos = m.end()
        if kind in ("ws", "comment"):
            continue
        if kind in ("long", "str", "iri") and len(token) > MAX_LITERAL_CHARS:
            raise Refusal(413, f"{'IRI' if kind == 'iri' else 'string literal'} over {MAX_LITERAL_CHARS} characters")
        elif kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise Refusal(400, f"nesting deeper than {MAX_NESTING} brackets")
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            refused = _FORBIDDEN.get(token.upper())
            if refused:
                raise Refusal(*refused)
            if token.upper() == "FROM":
                declares_dataset = True
        elif kind == "pname" and m.group("prefix") and previous_word != "PREFIX":
            refused = _FORBIDDEN.get(m.group("prefix").upper())
            if refused:
                raise Refusal(*refused)
        previous_word = token.upper() if kind == "word" else ""
    return Screened(query, declares_dataset)
