"""Words and features of self-healing (pure): normalised texts, word stems of visible
texts and identifiers, stable classes, ancestor segments and their similarities."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Final

from bugbrain.elements import selectors
from bugbrain.elements.roles import CHECKABLE_ROLES, TEXT_ENTRY_ROLES
from bugbrain.elements.text_match import STOPWORDS, compact, identifier_words, loose, norm, stem

_CLICKABLE_ROLES: Final = frozenset({"button", "link", "menuitem", "tab", "treeitem", "option"})

_UNSTABLE_CLASS_RE: Final = re.compile(
    r"\d{3,}|^(?:css|sc|jsx|emotion|styled|svelte|makeStyles|jss)-|__[A-Za-z0-9]{5,}$|"
    r"^(?:is|has)-|^(?:active|focus|focused|hover|hovered|selected|open|opened|closed|"
    r"disabled|enabled|visible|hidden|show|shown|collapsed|expanded|loading|loaded|"
    r"checked|current|ng-[a-z-]+)$"
)
NOISE_WORDS: Final = frozenset(
    {"js", "el", "elem", "element", "wrapper", "wrap", "container", "inner", "outer",
     "cmp", "component", "ui", "id", "cls", "qa", "test", "testid"}
)  # fmt: skip
# Identifier words that name a kind of element, not an element.
KIND_WORDS: Final[Mapping[str, str]] = {
    "btn": "button",
    "button": "button",
    "link": "link",
    "lnk": "link",
    "input": "textbox",
    "field": "textbox",
    "textbox": "textbox",
    "textarea": "textbox",
    "checkbox": "checkbox",
    "chk": "checkbox",
    "radio": "radio",
    "select": "combobox",
    "dropdown": "combobox",
    "combobox": "combobox",
    "tab": "tab",
}
# Bare tag names in a CSS selector → the kind they mean.
TAG_KINDS: Final[Mapping[str, str]] = {
    "button": "button",
    "a": "link",
    "input": "textbox",
    "textarea": "textbox",
    "select": "combobox",
}


@lru_cache(maxsize=1 << 16)
def cached_norm(text: str) -> str:
    return norm(text)


@lru_cache(maxsize=1 << 16)
def cached_compact(text: str) -> str:
    return compact(text)


@lru_cache(maxsize=1 << 16)
def words(text: str) -> frozenset[str]:
    """Stemmed words of a visible text, without stopwords."""
    found = loose(text).split()
    kept = frozenset(stem(w) for w in found if w not in STOPWORDS)
    return kept or frozenset(stem(w) for w in found)


@lru_cache(maxsize=1 << 16)
def ident_words(ident: str) -> frozenset[str]:
    """Words of an identifier that name the element (``addToCart-btn`` → add, cart):
    no stopwords, numbers, kind words (btn, link) nor filler (wrapper, js)."""
    return frozenset(
        stem(w)
        for w in identifier_words(ident).split()
        if w not in STOPWORDS
        and w not in KIND_WORDS
        and w not in NOISE_WORDS
        and not w.isdigit()
        and len(w) > 1
    )


@lru_cache(maxsize=1 << 14)
def stable_classes(class_attr: str) -> tuple[str, ...]:
    """Classes that are not state (``active``) nor generated (``css-1x2y3z``)."""
    return tuple(c for c in class_attr.split() if not _UNSTABLE_CLASS_RE.search(c))


@lru_cache(maxsize=1 << 14)
def segment(tag: str, ident: str, class_attr: str) -> str:
    """One ancestor of a path: ``div#main.card.product`` (stable id, 3 stable classes)."""
    seg = tag
    if ident and selectors.stable_id(ident) and "." not in ident and "#" not in ident:
        seg += "#" + ident
    for c in stable_classes(class_attr)[:3]:
        seg += "." + c
    return seg


@lru_cache(maxsize=1 << 14)
def seg_parts(seg: str) -> tuple[str, frozenset[str]]:
    """``div#main.card`` → ("div", {"#main", "card"})."""
    head, *classes = seg.split(".")
    tag, _, ident = head.partition("#")
    parts = {c for c in classes if c}
    if ident:
        parts.add("#" + ident)
    return tag, frozenset(parts)


def text_sim(a: str, b: str) -> float:
    """0..1 similarity of two visible texts: 1 equal, 0.95 equal but for punctuation
    and spaces, else 0.9 times the Jaccard index of their word stems."""
    if not a or not b:
        return 0.0
    a, b = cached_norm(a), cached_norm(b)
    if a == b:
        return 1.0
    if cached_compact(a) == cached_compact(b) and cached_compact(a):
        return 0.95
    wa, wb = words(a), words(b)
    inter = len(wa & wb)
    return 0.9 * inter / len(wa | wb) if inter else 0.0


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / len(a | b) if inter else 0.0


def ident_sim(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return 0.8 * jaccard(ident_words(a), ident_words(b))


def family(role: str) -> str:
    """Roles that can stand in for each other in a heal (a button that became a link)."""
    if role in _CLICKABLE_ROLES:
        return "clickable"
    if role in TEXT_ENTRY_ROLES:
        return "text entry"
    if role in CHECKABLE_ROLES:
        return "checkable"
    if role in ("combobox", "listbox"):
        return "choice"
    return role


# Names of common UI actions that people use interchangeably ("Log in" / "Sign in"), as
# loose word sequences. A step without history that names one may heal onto an element
# whose whole visible name is another (only whole names: see :func:`synonym_phrases`).
SYNONYMS: Final[tuple[tuple[str, ...], ...]] = (
    ("login", "log in", "sign in", "signin"),
    ("logout", "log out", "sign out", "signout"),
    ("signup", "sign up", "register"),
    ("cart", "basket"),
    ("shopping cart", "shopping basket", "shopping bag"),
    ("delete", "remove"),
    ("search", "find"),
)


@lru_cache(maxsize=1 << 12)
def synonym_phrases(phrase: str) -> tuple[str, ...]:
    """The phrase with one of its synonym words swapped for each of the others:
    ``login button`` → ``log in button``, ``sign in button``, ``signin button``;
    none for a phrase without one. Variants equal to the phrase but for spaces
    are left out (the space-blind match already finds them)."""
    tokens = phrase.split()
    out: list[str] = []
    for group in SYNONYMS:
        for member in group:
            m = member.split()
            for i in range(len(tokens) - len(m) + 1):
                if tokens[i : i + len(m)] == m:
                    out.extend(
                        " ".join([*tokens[:i], other, *tokens[i + len(m) :]])
                        for other in group
                        if other != member
                    )
    own = cached_compact(phrase)
    squeezed = {own}
    kept: list[str] = []
    for p in out:
        c = cached_compact(p)
        if c not in squeezed:
            squeezed.add(c)
            kept.append(p)
    return tuple(kept)
