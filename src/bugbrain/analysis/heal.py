"""Self-healing: which element of the page a step's missing element became (pure).

A passing step stores the :class:`Fingerprint` of the element it touched. When the
element is missing in a later run, every element of the page (a :class:`Candidate`,
decoded from one snapshot of ``runner.fingerprint_js``) is scored against that
fingerprint, or, with no history, against the :class:`Words` of the step's selector
and description. :func:`rank` orders them, :func:`auto_heal_decision` says whether the
best one may replace the missing element without a person looking, and
:func:`selector_plan` lists selectors for it from the most stable attribute down.

Scores are in 0..1. With a fingerprint, :func:`score` is a weighted mean of per-feature
similarities (:data:`WEIGHTS`; a feature the fingerprint lacks is left out of the mean).
With words only, it is capped at :data:`WORDS_CAP`, so a heal without history needs
near-perfect evidence (:data:`WORDS_THRESHOLD`). :func:`rank` then multiplies by
penalties for hidden, disabled and wrong-kind elements and subtracts an ambiguity
penalty when an element of the same kind scores almost as well.

In the spirit of Healenium (weighted similarity of tag, id, text, classes, attributes
and path) with its known flaws fixed: visible, enabled, unique elements win; a
look-alike whose visible name differs is never auto-healed (the ``identity`` signal);
ties between same-kind elements are ambiguous, not decided by document order; and the
suggested selector uses the most stable attribute available, verified by the caller.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Final, Literal, TypeVar

from bugbrain.runner import dom_snapshot, selectors
from bugbrain.runner.intent import UnparseableStepError
from bugbrain.runner.intent import parse as parse_step
from bugbrain.runner.roles import (
    CHECKABLE_ROLES,
    IMPLIED_ROLES,
    INTERACTIVE_ROLES,
    TEXT_ENTRY_ROLES,
    implied_adjust,
)
from bugbrain.runner.text_match import STOPWORDS, compact, identifier_words, loose, norm, stem

FINGERPRINT_VERSION: Final = 1

# ------------------------------------------------------------------ weights and thresholds

# Feature weights of a fingerprint match (normalised over the features the fingerprint has).
WEIGHTS: Final[Mapping[str, float]] = {
    "tag": 1.0,
    "role": 1.0,
    "name": 2.5,  # accessible name
    "text": 1.5,
    "id": 1.5,
    "test_id": 2.0,
    "classes": 1.0,
    "attributes": 1.0,  # name, placeholder, type, value, stable aria-*, href, title, alt
    "path": 0.75,  # ancestors' tag, id and classes (one inserted/removed wrapper tolerated)
    "context": 1.25,  # labels of the enclosing cards / rows / sections
    "position": 0.5,  # index among same-tag siblings, distance of the box
}
# Words-only components (sum 1.0 before the cap).
WORDS_WEIGHTS: Final[Mapping[str, float]] = {
    "name_recall": 0.5,  # share of the query's words in a visible name of the element
    "name_precision": 0.25,  # share of that name's words the query has
    "identifiers": 0.1,  # share of the query's words in its id / test id / classes / name
    "kind": 0.15,  # the kind the words name (btn → button) or the action implies
}
# The same test id as before scores at least this, whatever else changed.
TEST_ID_FLOOR: Final = 0.9
# Without history a score cannot exceed this.
WORDS_CAP: Final = 0.85
# Auto-heal thresholds on the final score (after penalties).
HISTORY_THRESHOLD: Final = 0.80
WORDS_THRESHOLD: Final = 0.75
# The element's visible name (or an exact test id / id) must match at least this well.
IDENTITY_MIN: Final = 0.75
# The best candidate must beat the next (different) element by this much.
MIN_MARGIN: Final = 0.05
# Candidates below this similarity are not listed at all.
MIN_SIMILARITY: Final = 0.30
# Multipliers of the similarity.
HIDDEN_FACTOR: Final = 0.6
DISABLED_FACTOR: Final = 0.85
MISFIT_FACTOR: Final = 0.7
# A same-kind rival within AMBIGUITY_GAP costs up to AMBIGUITY_PENALTY.
AMBIGUITY_GAP: Final = 0.05
AMBIGUITY_PENALTY: Final = 0.10

# Selector kinds, most stable first (the order of :func:`selector_plan`).
SELECTOR_PREFERENCE: Final = (
    "test id",
    "id",
    "role and name",
    "label / placeholder / alt / title",
    "text",
    "classes",
    "scoped to a stable ancestor",
    "css path",
)

# Actions that need an enabled element.
_NEEDS_ENABLED: Final = frozenset({"click", "fill", "clear", "select", "check", "uncheck", "press"})
_POINTER_ACTIONS: Final = frozenset({"click", "hover", "press"})
_CLICKABLE_ROLES: Final = frozenset({"button", "link", "menuitem", "tab", "treeitem", "option"})

Mode = Literal["fingerprint", "words"]

# ------------------------------------------------------------------ records

Pairs = tuple[tuple[str, str], ...]
Box = tuple[float, float, float, float]


def _pairs(raw: Any) -> Pairs:
    if not isinstance(raw, Mapping):
        return ()
    return tuple((str(k), str(v)) for k, v in raw.items() if v)


def _box(raw: Any) -> Box | None:
    if isinstance(raw, list | tuple) and len(raw) == 4:
        try:
            return (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
        except (TypeError, ValueError):
            return None
    return None


@dataclass(slots=True)
class Fingerprint:
    """What a passing step's element looked like (JSON: :meth:`to_dict`)."""

    tag: str = ""
    id: str = ""
    classes: tuple[str, ...] = ()
    text: str = ""
    name: str = ""  # accessible name
    role: str = ""
    name_attr: str = ""
    placeholder: str = ""
    type: str = ""
    value: str = ""  # label of an <input type=submit|button|reset>
    test_ids: Pairs = ()  # (data-testid, "checkout") ...
    aria: Pairs = ()
    attrs: Pairs = ()  # href, title, alt, for
    path: tuple[str, ...] = ()  # ancestors, nearest first: "div#main.card"
    context: tuple[str, ...] = ()  # labels of the enclosing containers, nearest first
    index: int = 1  # among same-tag siblings, 1-based
    box: Box | None = None  # x, y, width, height in document coordinates
    visible: bool = True
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": FINGERPRINT_VERSION,
            "tag": self.tag,
            "id": self.id,
            "classes": list(self.classes),
            "text": self.text,
            "accessible_name": self.name,
            "role": self.role,
            "name": self.name_attr,
            "placeholder": self.placeholder,
            "type": self.type,
            "value": self.value,
            "test_ids": dict(self.test_ids),
            "aria": dict(self.aria),
            "attributes": dict(self.attrs),
            "path": list(self.path),
            "context": list(self.context),
            "index": self.index,
            "box": list(self.box) if self.box is not None else None,
            "visible": self.visible,
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fingerprint | None:
        """The fingerprint :meth:`to_dict` wrote; None when ``d`` is not one."""
        if not isinstance(d, Mapping) or not isinstance(d.get("tag"), str) or not d["tag"]:
            return None

        def s(key: str) -> str:
            v = d.get(key)
            return v if isinstance(v, str) else ""

        def strings(key: str) -> tuple[str, ...]:
            v = d.get(key)
            return tuple(str(x) for x in v if x) if isinstance(v, list | tuple) else ()

        index = d.get("index")
        return cls(
            tag=s("tag"),
            id=s("id"),
            classes=strings("classes"),
            text=s("text"),
            name=s("accessible_name"),
            role=s("role"),
            name_attr=s("name"),
            placeholder=s("placeholder"),
            type=s("type"),
            value=s("value"),
            test_ids=_pairs(d.get("test_ids")),
            aria=_pairs(d.get("aria")),
            attrs=_pairs(d.get("attributes")),
            path=strings("path"),
            context=strings("context"),
            index=index if isinstance(index, int) and index > 0 else 1,
            box=_box(d.get("box")),
            visible=d.get("visible") is not False,
            enabled=d.get("enabled") is not False,
        )

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Fingerprint:
        """From the page's ``fingerprint`` record (ancestors in ``anc``, labels in ``ctx``)."""
        anc = rec.get("anc") or []
        path = tuple(
            segment(str(a.get("t", "")), str(a.get("id", "")), str(a.get("c", "")))
            for a in anc
            if isinstance(a, Mapping)
        )
        ctx = tuple(str(x) for x in rec.get("ctx") or [] if x)
        return _record_fields(cls, rec, path, ctx)


@dataclass(slots=True)
class Candidate(Fingerprint):
    """One element of the page now that may be the target (one snapshot record)."""

    node: int = -1  # record index in the snapshot
    parent: int = -1
    clickable: bool = False
    editable: bool = False
    id_unique: bool = False
    test_id_unique: bool = False


@dataclass(slots=True)
class Node:
    """Any element of the page (every snapshot record): for ancestors and scopes."""

    parent: int = -1
    tag: str = ""
    role: str = ""
    id: str = ""
    test_ids: Pairs = ()
    classes: str = ""
    id_unique: bool = False
    test_id_unique: bool = False
    container: bool = False
    label: str = ""  # a container's label ("Blue Mug" for a product card)


def _record_fields(
    cls: type[_F],
    rec: Mapping[str, Any],
    path: tuple[str, ...],
    ctx: tuple[str, ...],
    **extra: Any,
) -> _F:
    text = str(rec.get("x", ""))
    return cls(
        tag=str(rec.get("t", "")),
        id=str(rec.get("id", "")),
        classes=stable_classes(str(rec.get("c", ""))),
        text=text,
        name=str(rec.get("n", text)),
        role=str(rec.get("r", "")),
        name_attr=str(rec.get("nm", "")),
        placeholder=str(rec.get("ph", "")),
        type=str(rec.get("ty", "")),
        value=str(rec.get("v", "")),
        test_ids=_pairs(rec.get("ti")),
        aria=_pairs(rec.get("ar")),
        attrs=_pairs(rec.get("at")),
        path=path,
        context=ctx,
        index=int(rec.get("i", 1)),
        box=_box(rec.get("b")),
        visible=not rec.get("h"),
        enabled=not rec.get("d"),
        **extra,
    )


_F = TypeVar("_F", bound=Fingerprint)

PATH_DEPTH: Final = 5
CONTEXT_DEPTH: Final = 3


class Snapshot:
    """One snapshot of the page (the records of ``fingerprint_js``): the elements that
    may be the target (:attr:`full`; :meth:`candidate` builds one, with its ancestors'
    path and container labels) and their ancestors (:meth:`node`, index = record).

    Objects are built on demand: a search decodes only the records it scores."""

    def __init__(self, recs: Sequence[Mapping[str, Any]], truncated: bool = False) -> None:
        self.recs = recs
        self.truncated = truncated
        parents: list[int] = []
        full: list[int] = []
        for k, rec in enumerate(recs):
            p = rec.get("p", -1)
            parents.append(p if isinstance(p, int) and 0 <= p < k else -1)
            if rec.get("f"):
                full.append(k)
        self.parents: list[int] = parents
        self.full: list[int] = full
        self._cands: dict[int, Candidate] = {}
        # The ancestors' path / container labels a record gives its children.
        self._paths: dict[int, tuple[str, ...]] = {}
        self._labels: dict[int, tuple[str, ...]] = {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        recs = data.get("recs")
        return cls(recs if isinstance(recs, list) else [], bool(data.get("truncated")))

    def __len__(self) -> int:
        return len(self.recs)

    def node(self, k: int) -> Node:
        rec = self.recs[k]
        return Node(
            parent=self.parents[k],
            tag=str(rec.get("t", "")),
            role=str(rec.get("r", "")),
            id=str(rec.get("id", "")),
            test_ids=_pairs(rec.get("ti")),
            classes=str(rec.get("c", "")),
            id_unique=bool(rec.get("u")),
            test_id_unique=bool(rec.get("tu")),
            container=bool(rec.get("cn")),
            label=str(rec.get("lb", "")),
        )

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(self.node(k) for k in range(len(self.recs)))

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(self.candidate(k) for k in self.full)

    def candidate(self, k: int) -> Candidate:
        found = self._cands.get(k)
        if found is None:
            rec = self.recs[k]
            p = self.parents[k]
            found = _record_fields(
                Candidate,
                rec,
                self._child_paths(p) if p >= 0 else (),
                self._child_labels(p) if p >= 0 else (),
                node=k,
                parent=p,
                clickable=bool(rec.get("k")),
                editable=bool(rec.get("e")),
                id_unique=bool(rec.get("u")),
                test_id_unique=bool(rec.get("tu")),
            )
            self._cands[k] = found
        return found

    def ancestors(self, k: int) -> Iterator[int]:
        """Record indices of the proper ancestors of ``k``, nearest first."""
        seen = 0
        p = self.parents[k] if 0 <= k < len(self.parents) else -1
        while p >= 0 and seen < 500:
            yield p
            p = self.parents[p]
            seen += 1

    def _chain(self, k: int, memo: Mapping[int, tuple[str, ...]]) -> list[int]:
        """``k`` and its ancestors up to the first one in ``memo``, top-most first."""
        chain: list[int] = []
        while k >= 0 and k not in memo and len(chain) < 500:
            chain.append(k)
            k = self.parents[k]
        chain.reverse()
        return chain

    def _child_paths(self, k: int) -> tuple[str, ...]:
        for j in self._chain(k, self._paths):
            rec, p = self.recs[j], self.parents[j]
            above = self._paths.get(p, ()) if p >= 0 else ()
            seg = segment(str(rec.get("t", "")), str(rec.get("id", "")), str(rec.get("c", "")))
            self._paths[j] = (seg, *above)[:PATH_DEPTH]
        return self._paths.get(k, ())

    def _child_labels(self, k: int) -> tuple[str, ...]:
        for j in self._chain(k, self._labels):
            label, p = self.recs[j].get("lb"), self.parents[j]
            above = self._labels.get(p, ()) if p >= 0 else ()
            self._labels[j] = (str(label), *above)[:CONTEXT_DEPTH] if label else above
        return self._labels.get(k, ())


def snapshot_options(query: Fingerprint | Words) -> dict[str, Any]:
    """What the page snapshot needs to know to skip elements that cannot match: the
    query's tag and words (interactive elements are always kept)."""
    if isinstance(query, Words):
        found = set(query.words)
        tags = [t for t, kind in _TAG_KINDS.items() if kind == query.kind]
        phrases = [query.phrases]
    else:
        found = set(words(query.name) | words(query.text))
        for ident in (query.id, *(v for _, v in query.test_ids), *query.classes):
            found |= ident_words(ident)
        tags = [query.tag]
        phrases = [(query.name, query.text)]
    squeezed = sorted({_compact(p) for group in phrases for p in group if len(_compact(p)) >= 3})
    return {
        "mode": "snapshot",
        "tags": tags,
        "words": sorted(w for w in found if w),
        "compact": squeezed,
    }


# ------------------------------------------------------------------ words and features

_UNSTABLE_CLASS_RE: Final = re.compile(
    r"\d{3,}|^(?:css|sc|jsx|emotion|styled|svelte|makeStyles|jss)-|__[A-Za-z0-9]{5,}$|"
    r"^(?:is|has)-|^(?:active|focus|focused|hover|hovered|selected|open|opened|closed|"
    r"disabled|enabled|visible|hidden|show|shown|collapsed|expanded|loading|loaded|"
    r"checked|current|ng-[a-z-]+)$"
)
_NOISE_WORDS: Final = frozenset(
    {"js", "el", "elem", "element", "wrapper", "wrap", "container", "inner", "outer",
     "cmp", "component", "ui", "id", "cls", "qa", "test", "testid"}
)  # fmt: skip
# Identifier words that name a kind of element, not an element.
_KIND_WORDS: Final[Mapping[str, str]] = {
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
_TAG_KINDS: Final[Mapping[str, str]] = {
    "button": "button",
    "a": "link",
    "input": "textbox",
    "textarea": "textbox",
    "select": "combobox",
}
# Verbs and filler of a step description that never name the element.
_STEP_WORDS: Final = frozenset(
    {"click", "clicks", "tap", "press", "hit", "select", "choose", "pick", "fill", "type",
     "enter", "check", "uncheck", "hover", "scroll", "clear", "wait", "verify", "assert",
     "expect", "see", "should", "then", "user", "i", "it", "is", "be", "into", "in", "at",
     "over", "visible", "shown", "displayed", "appear", "appears", "field", "button", "link",
     "go", "open", "visit", "navigate", "now", "again", "please"}
)  # fmt: skip


@lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str:
    return norm(text)


@lru_cache(maxsize=1 << 16)
def _compact(text: str) -> str:
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
        and w not in _KIND_WORDS
        and w not in _NOISE_WORDS
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
def _seg_parts(seg: str) -> tuple[str, frozenset[str]]:
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
    a, b = _norm(a), _norm(b)
    if a == b:
        return 1.0
    if _compact(a) == _compact(b) and _compact(a):
        return 0.95
    wa, wb = words(a), words(b)
    inter = len(wa & wb)
    return 0.9 * inter / len(wa | wb) if inter else 0.0


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / len(a | b) if inter else 0.0


def _ident_sim(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return 0.8 * _jaccard(ident_words(a), ident_words(b))


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


def _center(box: Box | None) -> tuple[float, float] | None:
    if box is None:
        return None
    return box[0] + box[2] / 2, box[1] + box[3] / 2


# ------------------------------------------------------------------ the words query


@dataclass(frozen=True)
class Words:
    """What a step without history says about its element."""

    words: frozenset[str]  # word stems from the selector and the description
    kind: str | None = None  # role the words name ("btn" → "button")
    within: str = ""  # "on the Blue Mug card" → "Blue Mug"
    # Whole phrases ("add to cart") for a match that ignores spaces ("Log in" ~ login).
    phrases: tuple[str, ...] = ()


_QUOTED_RE: Final = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')
_ENGINE_RE: Final = re.compile(r"^\s*(?:internal:)?([a-z-]+)\s*=(.*)$", re.DOTALL)
_ID_RE: Final = re.compile(r"#((?:[\w-]|\\.)+)")
_CLASS_RE: Final = re.compile(r"\.((?:[\w-]|\\.)+)")
_ATTR_RE: Final = re.compile(
    r"""\[\s*@?([\w:-]+)\s*(?:[~|^$*]?=\s*("(?:[^"\\]|\\.)*"[si]?|'(?:[^'\\]|\\.)*'[si]?|[^\]\s]*))?"""
    r"\s*[si]?\s*\]"
)
_PSEUDO_RE: Final = re.compile(r"::?[\w-]+(?:\([^)]*\))?")
_TAG_RE: Final = re.compile(r"(?:^|[\s>+~,(/])([a-zA-Z][a-zA-Z0-9]*)(?=$|[\s>+~,.#\[:)/])")
_VARIABLE_RE: Final = re.compile(r"\{\{[^}]*\}\}|\$\{[^}]*\}")
_WORD_ATTRS: Final = frozenset(
    {"name", "placeholder", "title", "alt", "aria-label", "value", "href", "for", "id", "class",
     "data-testid", "data-test", "data-qa", "data-cy", "data-test-id", "label"}
)  # fmt: skip


def _split_ident(ident: str) -> tuple[list[str], str | None, str]:
    """(word stems, kind, phrase) of one identifier:
    ``add-to-cart-btn`` → ([add, cart], button, "add to cart")."""
    out: list[str] = []
    phrase: list[str] = []
    kind: str | None = None
    for w in identifier_words(ident.replace("\\", "")).split():
        if w in _KIND_WORDS:
            kind = kind or _KIND_WORDS[w]
        elif w not in _NOISE_WORDS and not w.isdigit() and len(w) > 1:
            phrase.append(w)
            if w not in STOPWORDS:
                out.append(stem(w))
    return out, kind, " ".join(phrase) if out else ""


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    elif len(raw) >= 3 and raw[-1] in "is" and raw[0] in "\"'" and raw[-2] == raw[0]:
        raw = raw[1:-2]  # Playwright's "text"i / "text"s
    return raw.replace('\\"', '"').replace("\\'", "'")


# Engines whose value is text a person sees; engines that say nothing about the element.
_TEXT_ENGINES: Final = frozenset(
    {"text", "label", "placeholder", "alt", "title", "has-text", "internal:text",
     "internal:label", "internal:has-text", "get-by-text"}
)  # fmt: skip
_SKIP_ENGINES: Final = frozenset(
    {"nth", "visible", "internal:control", "has", "has-not", "internal:has", "control"}
)


def selector_words(selector: str | None) -> tuple[list[str], str | None, list[str]]:
    """(word stems, kind, phrases) a selector's own identifiers and texts give.

    ``.add-to-cart-btn`` → ([add, cart], button); ``#login-btn`` → ([login], button);
    ``[data-testid=checkout-button]`` → ([checkout], button);
    ``internal:role=button[name="Add to cart"i]`` → ([add, cart], button). Words that
    name a kind of element (btn, button, link, input...) give the kind, not words."""
    if not selector or not selector.strip():
        return [], None, []
    found: list[str] = []
    phrases: list[str] = []
    kind: str | None = None

    def take(ident: str) -> None:
        nonlocal kind
        got, k, phrase = _split_ident(ident)
        found.extend(got)
        if phrase:
            phrases.append(phrase)
        kind = kind or k

    def take_text(text: str) -> None:
        words_ = [stem(w) for w in loose(text).split() if w not in STOPWORDS]
        found.extend(words_)
        if words_:
            phrases.append(loose(text))

    for part in selector.split(">>"):
        part = part.strip()
        rest = part
        role_engine = False
        engine = _ENGINE_RE.match(part)
        if engine:
            name = engine.group(1)
            full_name = part.split("=", 1)[0].strip()
            if name in _TEXT_ENGINES or full_name in _TEXT_ENGINES:
                take_text(_unquote(engine.group(2)))
                continue
            if name in _SKIP_ENGINES or full_name in _SKIP_ENGINES:
                continue
            if name == "role":
                role_engine = True
                role = re.match(r"\s*([a-z]+)", engine.group(2))
                kind = kind or (role.group(1) if role else None)
                rest = engine.group(2)[role.end() :] if role else engine.group(2)
            elif name in ("css", "attr", "testid", "xpath", "id", "data-testid"):
                rest = engine.group(2)
            else:
                continue
        for m in _ATTR_RE.finditer(rest):
            attr, value = m.group(1).lower(), _unquote(m.group(2) or "")
            if not value:
                continue
            if attr == "role":
                kind = kind or value.split()[0].lower()
            elif attr == "type":
                if value in ("submit", "button"):
                    kind = kind or "button"
            elif attr == "name" and role_engine:
                take_text(value)
            elif attr in _WORD_ATTRS or attr.startswith("data-"):
                take(value)
        rest = _ATTR_RE.sub(" ", rest)
        for a, b in _QUOTED_RE.findall(rest):  # :has-text("..."), contains(., '...')
            take_text(_unquote(a or b))
        rest = _QUOTED_RE.sub(" ", rest)
        for m in _ID_RE.finditer(rest):
            take(m.group(1))
        for m in _CLASS_RE.finditer(rest):
            take(m.group(1))
        rest = _PSEUDO_RE.sub(" ", _CLASS_RE.sub(" ", _ID_RE.sub(" ", rest)))
        for m in _TAG_RE.finditer(rest):
            tag = m.group(1).lower()
            if tag in _TAG_KINDS:
                kind = kind or _TAG_KINDS[tag]
    return list(dict.fromkeys(found)), kind, list(dict.fromkeys(phrases))


def description_words(description: str | None) -> tuple[list[str], str | None, str, list[str]]:
    """(word stems, kind, within, phrases) of a step description ("Click Add to cart")."""
    if not description or not description.strip():
        return [], None, "", []
    text = _VARIABLE_RE.sub(" ", description)
    try:
        intent = parse_step(text)
    except (UnparseableStepError, ValueError):
        intent = None
    if intent is not None and intent.target is not None:
        target = intent.target
        kind = target.role
        got = [stem(w) for w in loose(target.text).split() if w not in STOPWORDS]
        if kind and len(got) == 1 and _KIND_WORDS.get(got[0]) == kind:
            got = []  # "Click the button": a kind, not a name
        within = target.within or ""
        if within.lstrip("-").isdigit():
            within = ""
        phrases = [loose(target.text)] if got else []
        return got, kind, within, phrases
    kind = None
    got = []
    for w in loose(text).split():
        if w in _KIND_WORDS and w not in ("select", "input", "tab"):
            kind = kind or _KIND_WORDS[w]
        elif w not in STOPWORDS and w not in _STEP_WORDS and len(w) > 1 and not w.isdigit():
            got.append(stem(w))
    return got, kind, "", [" ".join(got)] if got else []


def query_words(selector: str | None, description: str | None) -> Words | None:
    """The words a step without history says about its element; None when it says none."""
    sw, skind, sphrases = selector_words(selector)
    dw, dkind, within, dphrases = description_words(description)
    found = frozenset(sw) | frozenset(dw)
    if not found:
        return None
    phrases = tuple(p for p in dict.fromkeys([*dphrases, *sphrases]) if p)
    return Words(found, skind or dkind, within, phrases)


# ------------------------------------------------------------------ scoring


@dataclass(slots=True)
class _Prepared:
    """A fingerprint in the forms the scorer compares (computed once per search)."""

    fp: Fingerprint
    name: str
    text: str
    family: str
    test_values: frozenset[str]
    test_words: frozenset[str]
    classes: frozenset[str]
    class_words: frozenset[str]
    attrs: tuple[tuple[str, str], ...]
    path: tuple[tuple[str, frozenset[str]], ...]
    path_weights: tuple[float, ...]
    context: tuple[str, ...]
    center: tuple[float, float] | None
    weights: dict[str, float]
    total: float
    words: frozenset[str]
    idents: frozenset[str]


_PATH_LEVEL_WEIGHTS: Final = (0.4, 0.25, 0.15, 0.12, 0.08)
_CONTEXT_LEVEL_WEIGHTS: Final = (0.6, 0.25, 0.15)
# Box centres this far apart (px) share nothing of the position signal.
_FAR: Final = 500.0


def _prepare(fp: Fingerprint) -> _Prepared:
    test_values = frozenset(v for _, v in fp.test_ids)
    attrs: list[tuple[str, str]] = []
    for key, value in (("name", fp.name_attr), ("placeholder", fp.placeholder)):
        if value:
            attrs.append((key, value))
    if fp.type:
        attrs.append(("type", fp.type))
    if fp.value:
        attrs.append(("value", fp.value))
    attrs.extend(("aria:" + k, v) for k, v in fp.aria)
    attrs.extend(("attr:" + k, v) for k, v in fp.attrs)
    present = {"tag", "role", "position"}
    if fp.name:
        present.add("name")
    if fp.text:
        present.add("text")
    if fp.id:
        present.add("id")
    if fp.test_ids:
        present.add("test_id")
    if fp.classes:
        present.add("classes")
    if attrs:
        present.add("attributes")
    if fp.path:
        present.add("path")
    if fp.context:
        present.add("context")
    weights = {k: w for k, w in WEIGHTS.items() if k in present}
    path = tuple(_seg_parts(s) for s in fp.path[:PATH_DEPTH])
    class_words: frozenset[str] = frozenset().union(*(ident_words(c) for c in fp.classes))
    test_words: frozenset[str] = frozenset().union(*(ident_words(v) for v in test_values))
    return _Prepared(
        fp=fp,
        name=_norm(fp.name),
        text=_norm(fp.text),
        family=family(fp.role),
        test_values=test_values,
        test_words=test_words,
        classes=frozenset(fp.classes),
        class_words=class_words,
        attrs=tuple(attrs),
        path=path,
        path_weights=_PATH_LEVEL_WEIGHTS[: len(path)],
        context=tuple(_norm(c) for c in fp.context[:CONTEXT_DEPTH]),
        center=_center(fp.box),
        weights=weights,
        total=sum(weights.values()),
        words=words(fp.name) | words(fp.text),
        idents=ident_words(fp.id) | test_words | class_words,
    )


def _seg_sim(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> float:
    tag = 0.5 if a[0] == b[0] else 0.0
    if not a[1] and not b[1]:
        return tag + 0.5
    return tag + 0.5 * _jaccard(a[1], b[1])


def _path_sim(prep: _Prepared, path: tuple[str, ...]) -> float:
    """Level-by-level similarity of the ancestors, nearest weighted most; a wrapper
    added or removed costs a little, not the whole path."""
    if not path:
        return 0.0
    cand = [_seg_parts(s) for s in path]
    total = 0.0
    for i, (seg, w) in enumerate(zip(prep.path, prep.path_weights, strict=False)):
        best = _seg_sim(seg, cand[i]) if i < len(cand) else 0.0
        if best < 1.0:
            for j in (i - 1, i + 1):
                if 0 <= j < len(cand):
                    best = max(best, 0.8 * _seg_sim(seg, cand[j]))
        total += w * best
    return total / sum(prep.path_weights)


def label_sim(a: str, b: str) -> float:
    """Similarity of two container labels: names of different records ("Blue Mug",
    "Red Mug") share words without being alike, so partial matches count half."""
    sim = text_sim(a, b)
    return sim if sim >= 0.95 else 0.5 * sim


def _context_sim(prep: _Prepared, context: tuple[str, ...]) -> tuple[float, bool]:
    """(similarity, conflict): conflict = the element is now in a container with
    another label, and its old container's label is nowhere around it."""
    if not context:
        return 0.0, False
    total = 0.0
    weights = _CONTEXT_LEVEL_WEIGHTS[: len(prep.context)]
    for i, (label, w) in enumerate(zip(prep.context, weights, strict=False)):
        best = 0.0
        for j, other in enumerate(context):
            best = max(best, label_sim(label, other) * (1.0 if i == j else 0.8))
        total += w * best
    nearest_was = max(label_sim(prep.context[0], other) for other in context)
    nearest_now = max(label_sim(context[0], other) for other in prep.context)
    return total / sum(weights), nearest_was < 0.5 and nearest_now < 0.5


def _attr_value(c: Fingerprint, key: str) -> str:
    if key == "name":
        return c.name_attr
    if key == "placeholder":
        return c.placeholder
    if key == "type":
        return c.type
    if key == "value":
        return c.value
    prefix, _, name = key.partition(":")
    source = c.aria if prefix == "aria" else c.attrs
    for k, v in source:
        if k == name:
            return v
    return ""


def _score_fingerprint(prep: _Prepared, c: Fingerprint) -> tuple[float, dict[str, Any]]:
    fp, w = prep.fp, prep.weights
    sims: dict[str, float] = {}
    if c.tag == fp.tag:
        sims["tag"] = 1.0
    elif fp.role and c.role == fp.role:
        sims["tag"] = 0.6
    elif prep.family and family(c.role) == prep.family:
        sims["tag"] = 0.3
    else:
        sims["tag"] = 0.0
    if c.role == fp.role:
        sims["role"] = 1.0
    else:
        sims["role"] = 0.5 if prep.family and family(c.role) == prep.family else 0.0
    if "name" in w:
        sims["name"] = text_sim(prep.name, c.name)
    if "text" in w:
        sims["text"] = text_sim(prep.text, c.text)
    if "id" in w:
        sims["id"] = _ident_sim(fp.id, c.id)
    if "test_id" in w:
        values = {v for _, v in c.test_ids}
        if prep.test_values & values:
            sims["test_id"] = 1.0
        elif values:
            cw = frozenset().union(*(ident_words(v) for v in values))
            sims["test_id"] = 0.8 * _jaccard(prep.test_words, cw)
        else:
            sims["test_id"] = 0.0
    if "classes" in w:
        cc = frozenset(c.classes)
        if cc == prep.classes:
            sims["classes"] = 1.0
        elif cc:
            cw = frozenset().union(*(ident_words(x) for x in cc))
            sims["classes"] = max(_jaccard(prep.classes, cc), 0.8 * _jaccard(prep.class_words, cw))
        else:
            sims["classes"] = 0.0
    if "attributes" in w:
        total = 0.0
        for key, value in prep.attrs:
            other = _attr_value(c, key)
            if other == value:
                total += 1.0
            elif other:
                total += max(text_sim(value, other), _ident_sim(value, other))
        sims["attributes"] = total / len(prep.attrs)
    if "path" in w:
        sims["path"] = _path_sim(prep, c.path)
    if "context" in w:
        sims["context"], conflict = _context_sim(prep, c.context)
    else:
        conflict = False
    position = 0.5 if c.index == fp.index else 0.0
    center = _center(c.box)
    if prep.center is not None and center is not None:
        dist = math.hypot(center[0] - prep.center[0], center[1] - prep.center[1])
        position += 0.5 * max(0.0, 1.0 - dist / _FAR)
    elif prep.center is None:
        position *= 2.0
    sims["position"] = position
    total = sum(w[k] * v for k, v in sims.items())
    similarity = total / prep.total if prep.total else 0.0
    if sims.get("test_id") == 1.0:
        # A test id exists to survive redesigns: the same one is strong evidence alone.
        similarity = max(similarity, TEST_ID_FLOOR)
    if fp.name or fp.text:
        identity = max(sims.get("name", 0.0), sims.get("text", 0.0))
    elif fp.test_ids or fp.id or fp.classes:
        identity = max(sims.get("test_id", 0.0), sims.get("id", 0.0), sims.get("classes", 0.0))
    else:
        identity = 1.0
    # An exact test id, or the same unique-looking id, is an identity of its own.
    if sims.get("test_id") == 1.0 or (sims.get("id") == 1.0 and selectors.stable_id(fp.id)):
        identity = 1.0
    signals: dict[str, Any] = {k: round(v, 3) for k, v in sims.items()}
    signals["identity"] = round(identity, 3)
    if conflict:
        signals["context_conflict"] = True
    return similarity, signals


def _kind_fit(kind: str | None, c: Fingerprint, action: str | None) -> float:
    if kind:
        if c.role == kind:
            return 1.0
        return 0.5 if family(c.role) == family(kind) and family(kind) else 0.0
    if action is not None:
        return 1.0 if fits_action(action, c, None) else 0.0
    return 1.0 if c.role in INTERACTIVE_ROLES else 0.5


def _score_words(
    q: Words, c: Fingerprint, action: str | None
) -> tuple[float, dict[str, Any]] | None:
    """None when no word of the query is anywhere in the element's names or identifiers."""
    names = [v for v in (c.name, c.text, c.placeholder, c.value) if v]
    names.extend(v for k, v in (*c.aria, *c.attrs) if k in ("aria-label", "title", "alt") and v)
    idents = [c.id, c.name_attr, *(v for _, v in c.test_ids), *c.classes]
    id_words: frozenset[str] = frozenset().union(*(ident_words(v) for v in idents if v))
    id_hits = len(q.words & id_words)
    best = (0.0, 0.0, 0.0)  # combined, recall, precision
    for value in names:
        nw = words(value)
        inter = len(q.words & nw)
        if q.phrases and _compact(value) in {_compact(p) for p in q.phrases}:
            recall = precision = 1.0
        elif inter:
            recall, precision = inter / len(q.words), inter / len(nw)
        else:
            continue
        combined = (
            WORDS_WEIGHTS["name_recall"] * recall + WORDS_WEIGHTS["name_precision"] * precision
        )
        if combined > best[0]:
            best = (combined, recall, precision)
    if best[0] == 0.0 and not id_hits:
        return None
    identifiers = id_hits / len(q.words)
    kind = _kind_fit(q.kind, c, action)
    raw = best[0] + WORDS_WEIGHTS["identifiers"] * identifiers + WORDS_WEIGHTS["kind"] * kind
    signals: dict[str, Any] = {
        "name_recall": round(best[1], 3),
        "name_precision": round(best[2], 3),
        "identifiers": round(identifiers, 3),
        "kind": round(kind, 3),
    }
    if q.within:
        ctx = max((text_sim(q.within, label) for label in c.context), default=0.0)
        raw *= 0.8 + 0.2 * ctx
        signals["context"] = round(ctx, 3)
    signals["identity"] = round(best[1], 3)
    return raw * WORDS_CAP, signals


def score(
    query: Fingerprint | Words, candidate: Fingerprint, *, action: str | None = None
) -> tuple[float, dict[str, Any]]:
    """Similarity (0..1) of ``candidate`` to what the step expects, and per-signal
    similarities (``identity``: how well its name — or test id / id — matches)."""
    if isinstance(query, Words):
        found = _score_words(query, candidate, action)
        return found if found is not None else (0.0, {"identity": 0.0})
    return _score_fingerprint(_prepare(query), candidate)


# ------------------------------------------------------------------ ranking


def fits_action(action: str, c: Fingerprint, expected_role: str | None) -> bool:
    """Can ``action`` be done on ``c`` when the step's element had ``expected_role``?"""
    if action in IMPLIED_ROLES:
        return implied_adjust(action, as_dom_candidate(c)) is not None
    if expected_role and family(c.role) == family(expected_role):
        return True
    if action in _POINTER_ACTIONS:
        editable = c.editable if isinstance(c, Candidate) else False
        clickable = c.clickable if isinstance(c, Candidate) else False
        return c.role in INTERACTIVE_ROLES or clickable or editable
    # Assertions, waits, scrolling: the same kind of element, if the kind is known.
    return not expected_role


@dataclass(frozen=True)
class Ranked:
    cand: Candidate
    score: float  # similarity times penalties, minus ambiguity; 0..1
    similarity: float  # :func:`score`
    mode: Mode
    signals: dict[str, Any] = field(default_factory=dict)
    fits_action: bool = True
    ambiguity: float = 0.0  # penalty subtracted for a same-kind rival
    # False when no selector matches it alone (set by the caller after verification).
    unique: bool = True


def _lineage(parents: Mapping[int, int] | Sequence[int], node: int) -> set[int]:
    def parent(k: int) -> int:
        if isinstance(parents, Mapping):
            return parents.get(k, -1)
        return parents[k] if 0 <= k < len(parents) else -1

    out: set[int] = set()
    p = parent(node)
    while p >= 0 and p not in out and len(out) < 500:
        out.add(p)
        p = parent(p)
    return out


class _Quick:
    """The few fields of a record the cheap gate and bound look at (the rest on demand)."""

    __slots__ = ("cand", "name", "rec", "role", "tag", "text")

    def __init__(self, rec: Mapping[str, Any] | None, cand: Candidate | None) -> None:
        self.rec, self.cand = rec, cand
        if cand is not None:
            self.tag, self.role, self.name, self.text = cand.tag, cand.role, cand.name, cand.text
        else:
            assert rec is not None
            self.text = str(rec.get("x", ""))
            self.name = str(rec.get("n", self.text))
            self.tag, self.role = str(rec.get("t", "")), str(rec.get("r", ""))

    def idents(self) -> tuple[str, ...]:
        c = self.cand
        if c is not None:
            return (c.id, c.name_attr, *(v for _, v in c.test_ids), *c.classes)
        rec = self.rec
        assert rec is not None
        tids = rec.get("ti")
        return (
            str(rec.get("id", "")),
            str(rec.get("nm", "")),
            *(str(v) for v in (tids.values() if isinstance(tids, Mapping) else ())),
            *stable_classes(str(rec.get("c", ""))),
        )

    def hay(self) -> str:
        """Every name and identifier, lower-case (the words-mode gate)."""
        c = self.cand
        if c is not None:
            extra = [c.placeholder, c.value, *(v for _, v in c.aria), *(v for _, v in c.attrs)]
        else:
            rec = self.rec
            assert rec is not None
            extra = [str(rec.get(k, "")) for k in ("ph", "v")]
            for key in ("ar", "at"):
                more = rec.get(key)
                if isinstance(more, dict):
                    extra.extend(str(v) for v in more.values())
        return " ".join((self.name, self.text, *extra, *self.idents())).casefold()


def _related(prep: _Prepared, q: _Quick) -> bool:
    """Cheap gate: the same tag or kind of element, or a word or identifier in common.
    Anything else is unrelated whatever its place on the page."""
    if q.tag == prep.fp.tag or (prep.family and family(q.role) == prep.family):
        return True
    if prep.words and not (
        prep.words.isdisjoint(words(q.name)) and prep.words.isdisjoint(words(q.text))
    ):
        return True
    if prep.idents:
        for ident in q.idents():
            if ident and not prep.idents.isdisjoint(ident_words(ident)):
                return True
    return False


def _bound(prep: _Prepared, q: _Quick) -> float:
    """An upper bound of the similarity from tag, role, name and text (the rest
    counted as perfect): the search scores elements fully in this order only while
    they can still make the top."""
    w, fp = prep.weights, prep.fp
    lost = 0.0
    if q.tag != fp.tag:
        lost += w["tag"] * (0.4 if fp.role and q.role == fp.role else 0.7)
    if q.role != fp.role:
        lost += w["role"] * (0.5 if prep.family and family(q.role) == prep.family else 1.0)
    if "name" in w:
        lost += w["name"] * (1.0 - text_sim(prep.name, q.name))
    if "text" in w:
        lost += w["text"] * (1.0 - text_sim(prep.text, q.text))
    bound = (prep.total - lost) / prep.total if prep.total else 0.0
    if prep.test_values and not prep.test_values.isdisjoint(q.idents()):
        bound = max(bound, TEST_ID_FLOOR)
    return bound


def _words_gate(query: Words, hay: str) -> bool:
    if any(w in hay for w in query.words):
        return True
    squeezed = _compact(hay)
    return any(_compact(p) in squeezed for p in query.phrases if len(_compact(p)) >= 3)


def rank(
    query: Fingerprint | Words,
    candidates: Snapshot | Sequence[Candidate],
    action: str,
    *,
    limit: int = 10,
) -> list[Ranked]:
    """The candidates that resemble what the step expects, best first (at most ``limit``).

    Hidden, disabled (for actions that need an enabled element) and wrong-kind elements
    are multiplied down; an element whose best same-kind rival (same tag and role,
    visible) scores within :data:`AMBIGUITY_GAP` loses up to :data:`AMBIGUITY_PENALTY`;
    an element nested in (or around) a better one is the same target and left out.

    With a fingerprint, elements of another kind with no word in common are skipped,
    and the rest are scored fully in the order of a cheap upper bound (:func:`_bound`)
    only while they can still reach the top ``limit`` (or be a close rival)."""
    if isinstance(candidates, Snapshot):
        snap: Snapshot | None = candidates
        keys = list(candidates.full)
        parents: Mapping[int, int] | Sequence[int] = candidates.parents
    else:
        snap = None
        by_key = {c.node: c for c in candidates}
        keys = list(by_key)
        parents = {c.node: c.parent for c in candidates}

    def quick(k: int) -> _Quick:
        if snap is not None:
            return _Quick(snap.recs[k], None)
        return _Quick(None, by_key[k])

    def get(k: int) -> Candidate:
        return snap.candidate(k) if snap is not None else by_key[k]

    mode: Mode = "words" if isinstance(query, Words) else "fingerprint"
    expected = query.role if isinstance(query, Fingerprint) else query.kind
    needs_enabled = action in _NEEDS_ENABLED
    scored: list[tuple[float, float, Candidate, dict[str, Any], bool]] = []

    def add(c: Candidate, similarity: float, signals: dict[str, Any]) -> float:
        fit = fits_action(action, c, expected or None)
        factor = 1.0
        if not c.visible:
            factor *= HIDDEN_FACTOR
        if needs_enabled and not c.enabled:
            factor *= DISABLED_FACTOR
        if not fit:
            factor *= MISFIT_FACTOR
        scored.append((similarity * factor, similarity, c, signals, fit))
        return similarity * factor

    if isinstance(query, Words):
        for k in keys:
            if not _words_gate(query, quick(k).hay()):
                continue
            c = get(k)
            found = _score_words(query, c, action)
            if found is not None and found[0] >= MIN_SIMILARITY:
                add(c, *found)
    else:
        prep = _prepare(query)
        bounds = []
        for k in keys:
            q = quick(k)
            if _related(prep, q):
                bound = _bound(prep, q)
                if bound >= MIN_SIMILARITY:
                    bounds.append((bound, k))
        bounds.sort(key=lambda b: (-b[0], b[1]))
        best: list[float] = []  # scores so far, best first (at most ``limit``)
        for bound, k in bounds:
            if len(best) >= limit and bound < best[-1] - AMBIGUITY_GAP:
                break
            c = get(k)
            similarity, signals = _score_fingerprint(prep, c)
            if similarity < MIN_SIMILARITY:
                continue
            s = add(c, similarity, signals)
            best.append(s)
            best.sort(reverse=True)
            del best[limit:]
    return _finish(scored, mode, parents, limit)


def _finish(
    scored: list[tuple[float, float, Candidate, dict[str, Any], bool]],
    mode: Mode,
    parents: Mapping[int, int] | Sequence[int],
    limit: int,
) -> list[Ranked]:
    """Ambiguity penalties, order, and one element per nested group."""
    # Best two visible scores of each kind: ambiguity without comparing every pair.
    top: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for s, _, c, _, _ in scored:
        if not c.visible:
            continue
        group = top.setdefault((c.tag, c.role), [])
        group.append((s, c.node))
        if len(group) > 2:
            group.sort(reverse=True)
            del group[2:]
    ranked: list[Ranked] = []
    for s, similarity, c, signals, fit in scored:
        penalty = 0.0
        if c.visible:
            rivals = [r for r, node in top.get((c.tag, c.role), []) if node != c.node]
            if rivals:
                gap = s - max(rivals)
                penalty = AMBIGUITY_PENALTY * max(0.0, min(1.0, 1.0 - gap / AMBIGUITY_GAP))
        final = max(0.0, s - penalty)
        ranked.append(
            Ranked(c, round(final, 3), round(similarity, 3), mode, signals, fit, round(penalty, 3))
        )
    ranked.sort(key=lambda r: (-r.score, -r.similarity, r.cand.node))
    kept: list[Ranked] = []
    kept_nodes: set[int] = set()
    around_kept: set[int] = set()  # ancestors of the kept ones
    for r in ranked:
        if len(kept) >= limit:
            break
        lineage = _lineage(parents, r.cand.node)
        if r.cand.node in around_kept or lineage & kept_nodes:
            continue  # nested in (or around) a better match: the same target
        kept.append(r)
        kept_nodes.add(r.cand.node)
        around_kept |= lineage
    return kept


# ------------------------------------------------------------------ the auto-heal rule


def threshold(mode: Mode) -> float:
    return HISTORY_THRESHOLD if mode == "fingerprint" else WORDS_THRESHOLD


def auto_heal_decision(
    best: Ranked | None, runner_up: Ranked | None, action: str
) -> tuple[bool, str]:
    """May ``best`` replace the missing element without a person looking? (ok, reason)."""
    if best is None:
        return False, "no element on the page resembles the missing one"
    c = best.cand
    what = describe(c)
    if not c.visible:
        return False, f"the closest element, {what}, is hidden"
    if action in _NEEDS_ENABLED and not c.enabled:
        return False, f"the closest element, {what}, is disabled"
    if not best.fits_action:
        kind = c.role or c.tag
        return False, f"the closest element, {what}, is a {kind}: it cannot be used to {action}"
    identity = float(best.signals.get("identity", 0.0))
    if identity < IDENTITY_MIN:
        return False, (
            f"the closest element, {what}, does not carry the same name "
            f"(name match {identity:.2f} < {IDENTITY_MIN})"
        )
    if best.signals.get("context_conflict") and c.context:
        where = _clip(c.context[0])
        return False, f'the closest element, {what}, is in another container now ("{where}")'
    if runner_up is not None and best.score - runner_up.score < MIN_MARGIN:
        return False, (
            f"ambiguous: {what} ({best.score:.2f}) and {describe(runner_up.cand)} "
            f"({runner_up.score:.2f}) match almost equally well"
        )
    if best.ambiguity >= AMBIGUITY_PENALTY / 2:
        return False, f"ambiguous: another element like {what} matches almost as well"
    limit = threshold(best.mode)
    history = "with history" if best.mode == "fingerprint" else "without history"
    if best.score < limit:
        return False, f"score {best.score:.2f} of {what} is below the threshold {limit} ({history})"
    if not best.unique:
        return False, f"no selector matches {what} alone"
    return True, (
        f"{what}: score {best.score:.2f} ≥ {limit} ({history}), unique, visible, "
        f"enabled, fits {action}"
    )


# ------------------------------------------------------------------ selectors and descriptions


def as_dom_candidate(c: Fingerprint) -> dom_snapshot.Candidate:
    """The locator machinery's record of ``c`` (for its selector plans and role rules)."""
    test_attr, test_id = c.test_ids[0] if c.test_ids else ("data-testid", "")
    cand = c if isinstance(c, Candidate) else None
    return dom_snapshot.Candidate(
        node=cand.node if cand else -1,
        tag=c.tag,
        role=c.role,
        name=c.name,
        placeholder=c.placeholder,
        title=next((v for k, v in c.attrs if k == "title"), ""),
        alt=next((v for k, v in c.attrs if k == "alt"), ""),
        value=c.value,
        test_id=test_id,
        test_attr=test_attr,
        text=c.text,
        id=c.id,
        name_attr=c.name_attr,
        classes=" ".join(c.classes),
        type=c.type,
        visible=c.visible,
        enabled=c.enabled,
        clickable=cand.clickable if cand else False,
        editable=cand.editable if cand else False,
        box=c.box or (0.0, 0.0, 0.0, 0.0),
        id_unique=cand.id_unique if cand else False,
        test_id_unique=cand.test_id_unique if cand else False,
    )


def describe(c: Fingerprint) -> str:
    """``button "Add to cart" (.product-add-btn)``."""
    kind = c.role or c.tag or "element"
    name = next((n for n in (c.name, c.text, c.placeholder, c.value) if n.strip()), "")
    out = f'{kind} "{_clip(name)}"' if name else kind
    if c.test_ids:
        hint = f"[{c.test_ids[0][0]}={c.test_ids[0][1]}]"
    elif c.id:
        hint = "#" + c.id
    elif c.classes:
        hint = "." + c.classes[0]
    else:
        hint = ""
    return f"{out} ({_clip(hint)})" if hint else out


def _clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CSS_IDENT_RE: Final = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")


def _inner(c: Candidate) -> str | None:
    """A selector for ``c`` inside a scope (role and name, text, or tag and class)."""
    if c.role and c.name and c.role not in ("presentation", "none", "generic"):
        return selectors.role_selector(c.role, c.name, hidden=not c.visible)
    if c.text and len(c.text) <= 80 and c.tag not in ("input", "select", "textarea"):
        return selectors.text_selector(c.text)
    cls = next((k for k in c.classes if _CSS_IDENT_RE.match(k)), None)
    return f"{c.tag}.{cls}" if cls else None


class Peers:
    """How many elements of a snapshot share a role and name, a text, a tag and class:
    a selector built from a shared one cannot be unique, so it is not even tried.
    (Only recorded elements count: a selector thought unique is still verified.)"""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    @cached_property
    def role_names(self) -> Counter[tuple[str, str, bool]]:
        """(role, name, visible) of the candidates."""
        return Counter((c.role, c.name, c.visible) for c in self.snap.candidates if c.role)

    @cached_property
    def texts(self) -> Counter[str]:
        return Counter(c.text for c in self.snap.candidates if c.text)

    @cached_property
    def tag_classes(self) -> Counter[tuple[str, str]]:
        out: Counter[tuple[str, str]] = Counter()
        for rec in self.snap.recs:
            classes = rec.get("c")
            if classes:
                tag = str(rec.get("t", ""))
                out.update((tag, k) for k in set(str(classes).split()))
        return out

    def shared(self, c: Candidate, selector: str) -> bool:
        """True when ``selector`` (from :func:`selector_plan`) surely matches others too."""
        if selector.startswith("internal:role=") and "[name=" in selector:
            if "[include-hidden=true]" in selector:
                same = sum(self.role_names[(c.role, c.name, v)] for v in (True, False))
            else:
                same = self.role_names[(c.role, c.name, True)]
            return same > 1
        if selector.startswith("internal:text="):
            return self.texts[c.text] > 1
        match = _TAG_CLASS_RE.match(selector)
        if match:
            tag, classes = match.group(1), match.group(2).split(".")[1:]
            return len(classes) == 1 and self.tag_classes[(tag, classes[0])] > 1
        return False


_TAG_CLASS_RE: Final = re.compile(r"^([a-z][a-z0-9]*)((?:\.[A-Za-z_-][A-Za-z0-9_-]*)+)$")


def selector_plan(
    c: Candidate, snap: Snapshot | None = None, peers: Peers | None = None
) -> list[str]:
    """Selectors for ``c``, most stable first (:data:`SELECTOR_PREFERENCE`): test id, id,
    role and name, label / placeholder / alt / title, text (``runner.selectors``); then
    classes; then role-and-name (or text) inside the nearest ancestor with a unique test
    id or stable id (``snap``). Selectors that ``peers`` shows are shared are left out.
    Each must still be verified to match exactly ``c`` on the page; a CSS path is the
    caller's last resort."""
    plan = selectors.selector_plan(as_dom_candidate(c))
    classes = [k for k in c.classes if _CSS_IDENT_RE.match(k)]
    plan.extend(f"{c.tag}.{k}" for k in classes[:3])
    if len(classes) > 1:
        plan.append(c.tag + "".join("." + k for k in classes[:3]))
    inner = _inner(c)
    if inner is not None and snap is not None:
        for depth, k in enumerate(snap.ancestors(c.node)):
            if depth >= PATH_DEPTH:
                break
            anc = snap.node(k)
            if anc.test_ids and anc.test_id_unique:
                attr, value = anc.test_ids[0]
                plan.append(f"[{attr}={selectors.css_string(value)}] >> {inner}")
            if anc.id and anc.id_unique and selectors.stable_id(anc.id):
                plan.append(f"{selectors.id_selector(anc.id)} >> {inner}")
    plan = list(dict.fromkeys(plan))
    if peers is not None:
        plan = [p for p in plan if not peers.shared(c, p)]
    return plan
