"""How well a step's words match an element's names: normalisation and 0-100 scores.

A text match on one of the element's names (accessible name, label, placeholder,
test id, text, title, alt) gives 0-100: 100 = exact, 96 = exact but for punctuation,
90 = same letters, 65-85 = whole words contained, 48-60 = most words shared.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bugbrain.elements.dom import Candidate

EXACT: Final = 100.0
EXACTISH: Final = 96.0
COMPACT: Final = 90.0

# Below this no tier says "all the words" (see Matcher.score); _whole then checks.
_WHOLE_MIN: Final = 50.0
_IDENT_FIELDS: Final = frozenset({"test id", "id", "name attribute", "class"})

STOPWORDS: Final = frozenset(
    {"a", "an", "the", "to", "of", "on", "in", "for", "and", "or", "with", "me", "my", "your"}
)
_PUNCT_RE: Final = re.compile(r"[^\w\s]+|_")
_NON_ALNUM_RE: Final = re.compile(r"[\W_]+")
_CAMEL_RE: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_IDENT_SEP_RE: Final = re.compile(r"[-_.:/]+")


def norm(text: str) -> str:
    """Whitespace-collapsed, case-folded."""
    return " ".join(text.split()).casefold()


def loose(text: str) -> str:
    """Like :func:`norm` without punctuation ("Email *:" → "email")."""
    return " ".join(_PUNCT_RE.sub(" ", text).split()).casefold()


def compact(text: str) -> str:
    """Letters and digits only ("add-to-cart" → "addtocart")."""
    return _NON_ALNUM_RE.sub("", text).casefold()


def identifier_words(ident: str) -> str:
    """``addToCart-blue_mug`` → ``add to cart blue mug``."""
    return loose(_IDENT_SEP_RE.sub(" ", _CAMEL_RE.sub(" ", ident)))


def stem(word: str) -> str:
    """Drops a plural "s" ("items" → "item", not "glass")."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _tokens(text: str) -> set[str]:
    words = loose(text).split()
    kept = {stem(w) for w in words if w not in STOPWORDS}
    return kept or {stem(w) for w in words}


def _fields(c: Candidate) -> Iterable[tuple[str, float, bool, str]]:
    """(value, weight, is an identifier, field) for each of the element's names."""
    yield c.name, 1.0, False, "name"
    yield c.label, 1.0, False, "label"
    yield c.text, 1.0, False, "text"
    yield c.placeholder, 0.98, False, "placeholder"
    yield c.alt, 1.0, False, "alt"
    yield c.value, 1.0, False, "value"
    yield c.title, 0.97, False, "title"
    yield c.test_id, 1.0, True, "test id"
    yield c.id, 0.85, True, "id"
    yield c.name_attr, 0.85, True, "name attribute"
    # What an app calls it when nothing else does: <input class="new-todo">.
    yield c.classes, 0.8, True, "class"


@dataclass(frozen=True)
class TextMatch:
    """How an element's best name matched the words."""

    # Weighted 0-100 (a placeholder or title counts a little less than a label).
    score: float
    # Unweighted for the names a person sees: two controls that both show the words,
    # one as its label and one as its placeholder, answer to them equally.
    shown: float
    # Which name: "name", "label", "text", "placeholder", "alt", "value", "title",
    # "test id", "id", "name attribute"; and its value.
    field: str
    value: str
    # It contains all of the words, in order (every tier down to a substring);
    # False for a partial match (only some of the words).
    whole: bool

    def reason(self) -> str:
        """``text "Clear completed (2)" contains all the words``."""
        how = (
            "says the words"
            if self.shown >= COMPACT
            else "contains all the words"
            if self.whole
            else "shares some of the words"
        )
        return f'{self.field} "{clip_text(self.value)}" {how}'


NO_MATCH: Final = TextMatch(0.0, 0.0, "", "", whole=False)


def clip_text(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Matcher:
    """A query in all the forms :meth:`score` compares (computed once)."""

    __slots__ = ("compact", "loose", "norm", "tokens")

    def __init__(self, query: str) -> None:
        self.norm = norm(query)
        self.loose = loose(self.norm)
        self.compact = compact(self.norm)
        self.tokens = _tokens(self.loose)

    # One ladder of match tiers, most exact first: split up, the order is lost.
    def score(self, value: str, identifier: bool = False) -> float:  # noqa: C901
        """How well ``value`` (one name) matches the query: 0-100."""
        q = self.norm
        f = identifier_words(value) if identifier else norm(value)
        if not q or not f:
            return 0.0
        if q == f:
            return EXACT
        ql, fl = self.loose, loose(f)
        if ql and ql == fl:
            return EXACTISH
        if self.compact and self.compact == compact(f):
            return COMPACT
        if not ql or not fl:
            return 0.0
        ratio = len(ql) / len(fl)
        if ratio >= 0.2:
            if fl.startswith(ql + " "):
                return 75.0 + 10.0 * ratio
            if f" {ql} " in f" {fl} ":
                return 65.0 + 10.0 * ratio
            if len(ql) >= 3 and ratio >= 0.3 and ql in fl:
                return 50.0 + 10.0 * ratio
        reverse = len(fl) / len(ql)
        if len(fl) >= 3 and reverse >= 0.5 and f" {fl} " in f" {ql} ":
            return 45.0 + 10.0 * reverse
        tq, tf = self.tokens, _tokens(fl)
        if tq and tf:
            jaccard = len(tq & tf) / len(tq | tf)
            if jaccard >= 0.6:
                return 30.0 + 30.0 * jaccard
        return 0.0

    def best(self, c: Candidate) -> float:
        """Best (weighted) score over the candidate's names."""
        return self.match(c).score

    def match(self, c: Candidate) -> TextMatch:
        """The best of the candidate's names for the words, and how it matched."""
        if self.tokens and self.compact:
            # Quick reject: no word of the query anywhere in the element's names.
            hay = " ".join(v for v, _, _, _ in _fields(c) if v).casefold()
            if not any(t in hay for t in self.tokens) and self.compact not in compact(hay):
                return NO_MATCH
        best, raw, shown, field, found = 0.0, 0.0, 0.0, "", ""
        for value, factor, ident, name in _fields(c):
            if not value:
                continue
            score = self.score(value, ident)
            if not ident:
                shown = max(shown, score)
            if score * factor > best:
                best, raw, field, found = score * factor, score, name, value
                if best >= EXACT:
                    break
        if not field:
            return NO_MATCH
        return TextMatch(
            best, shown or best, field, found, whole=raw >= _WHOLE_MIN and self._whole(found, field)
        )

    def _whole(self, value: str, field: str) -> bool:
        """All of the words, in order, in ``value`` (an identifier's words count)."""
        f = loose(identifier_words(value) if field in _IDENT_FIELDS else value)
        return bool(self.loose) and (
            f" {self.loose} " in f" {f} " or self.loose in f or self.compact in compact(f)
        )


def match_score(query: str, value: str, *, identifier: bool = False) -> float:
    """How well ``value`` (one of an element's names) matches ``query``: 0-100."""
    return Matcher(query).score(value, identifier)


def text_score(query: str, c: Candidate) -> float:
    """Best match of ``query`` over the candidate's names."""
    return Matcher(query).best(c)


def similarity(query: str, c: Candidate) -> float:
    """Loose 0-1 similarity for "Closest:" suggestions."""
    q = loose(query)
    best = 0.0
    for value in c.names():
        f = loose(value)[:80]
        if f:
            matcher = difflib.SequenceMatcher(None, q, f)
            if matcher.real_quick_ratio() > best and matcher.quick_ratio() > best:
                best = max(best, matcher.ratio())
    return best
