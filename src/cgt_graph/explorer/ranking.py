"""Text search over the Search page's rows: what a person types (names in any script, acronyms,
INN short forms such as cilta-cel, CAR T spellings) scored against a row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cgt_graph.explorer.names import Row


_AS_SPACE = str.maketrans(dict.fromkeys("-‐‑–—_/·,;:()[]\"'’.", " "))


def norm(text: str) -> str:
    """Folded for matching: NFKC, case-folded, hyphens, slashes and punctuation as spaces
    ("CAR-T", "CAR T" and "car_t" all read "car t"), one space between words."""
    return " ".join(unicodedata.normalize("NFKC", text or "").casefold().translate(_AS_SPACE).split())


_SHORT_FORM = re.compile(r"(?<![\w-])([a-z]{2,})-(cel)(?![\w-])")


@dataclass
class Query:
    """A search text, parsed once: phrases that must each start a word of the row (a one-letter
    word is kept with its neighbour: "car t" is one phrase, so "t" alone never matches "therapy"),
    and INN short forms ("cilta-cel": an INN whose first word starts "cilta" and ends in "cel")."""

    text: str
    phrases: list[str]
    short_forms: list[str]
    whole: str

    @classmethod
    def parse(cls, text: str) -> "Query":
        raw = unicodedata.normalize("NFKC", text or "").casefold()
        shorts = [m.group(1) for m in _SHORT_FORM.finditer(raw)]
        rest = _SHORT_FORM.sub(" ", raw)
        words = norm(rest).split()
        phrases: list[str] = []
        for w in words:
            if phrases and (len(w) == 1 or len(phrases[-1].split()[-1]) == 1) and w.isascii():
                phrases[-1] += " " + w
            else:
                phrases.append(w)
        return cls(text, phrases, shorts, norm(text))

    def __bool__(self) -> bool:
        return bool(self.phrases or self.short_forms)


def _short_form_matches(row: Row, prefix: str) -> bool:
    inn = norm(row.get("inn") or row.get("nonproprietary_name") or "")
    words = inn.split()
    if words and words[0].startswith(prefix) and words[-1].endswith("cel"):
        return True
    # a short form the data give as another name ("inati-cel")
    return f"{prefix} cel" in norm(row.get("search_names", ""))


def _phrase_in(phrase: str, hay: str) -> bool:
    if not phrase.isascii():  # Chinese, Japanese, Korean: no spaces between words, match anywhere
        return phrase in hay
    return re.search(r"(?<![0-9a-z])" + re.escape(phrase), hay) is not None


def score(row: Row, q: Query) -> int:
    """0: the row does not match. Otherwise higher is better: a name equal to the search text,
    then a name starting with it, then the text inside a name, then every phrase found."""
    if not q:
        return 1
    names_ = row["hay_names"] if "hay_names" in row else norm(row.get("search_names", ""))
    other = row["hay_other"] if "hay_other" in row else norm(row.get("search_other", ""))
    hay = names_ + " | " + other
    if not all(_phrase_in(p, hay) for p in q.phrases):
        return 0
    if not all(_short_form_matches(row, s) for s in q.short_forms):
        return 0
    fields = [f.strip() for f in names_.split("|")]  # (only for matching rows: the cost stays small)
    if q.short_forms and not q.phrases:
        return 90
    if q.whole in fields:
        return 100
    keys = row.get("hay_keys") or "|" + "|".join(k.strip() for k in norm(row.get("search_keys", "")).split("|")) + "|"
    if q.whole and f"|{q.whole}|" in keys:
        return 95
    if any(f.startswith(q.whole) for f in fields):
        return 80
    if q.whole and _phrase_in(q.whole, names_):
        return 60
    if q.whole and _phrase_in(q.whole, other):
        return 40
    return 20


_SCORES: dict[tuple[int, int, str], tuple[list[Row], list[int]]] = {}


def scores(rows: list[Row], text: str) -> list[int]:
    """score() of every row for `text`, remembered for the last few (rows, text) pairs: the
    table, the facet counts and the empty-result check of one rerun share it."""
    key = (id(rows), len(rows), text)
    if key not in _SCORES:
        if len(_SCORES) > 8:
            _SCORES.clear()
        q = Query.parse(text)
        _SCORES[key] = (rows, [score(r, q) for r in rows])  # holding `rows` keeps its id from being reused
    return _SCORES[key][1]
