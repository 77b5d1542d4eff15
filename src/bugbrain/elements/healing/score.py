"""Self-healing scores (pure): feature weights, the similarity of an element to a
fingerprint (with history) or to a step's words (without), the penalties and the
ambiguity between same-kind rivals.

Why one module of ~470 lines: the weights table and the rules that use each
weight are read together when tuning (bench/candidate_search.py, the failure
corpus); split, a weight and its rule would live apart."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from bugbrain.elements import selectors
from bugbrain.elements.healing.records import (
    CONTEXT_DEPTH,
    PATH_DEPTH,
    Box,
    Candidate,
    Fingerprint,
    as_dom_candidate,
)
from bugbrain.elements.healing.text import (
    cached_compact,
    cached_norm,
    family,
    ident_sim,
    ident_words,
    jaccard,
    seg_parts,
    text_sim,
    words,
)
from bugbrain.elements.healing.words import Words
from bugbrain.elements.roles import IMPLIED_ROLES, INTERACTIVE_ROLES, implied_adjust
from bugbrain.vocabulary import POINTER_ACTIONS

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


Mode = Literal["fingerprint", "words"]


def _center(box: Box | None) -> tuple[float, float] | None:
    if box is None:
        return None
    return box[0] + box[2] / 2, box[1] + box[3] / 2


@dataclass(slots=True)
class Prepared:
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


# One pass over the fingerprint's features, each with its own small rule.
def prepare(fp: Fingerprint) -> Prepared:  # noqa: C901
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
    path = tuple(seg_parts(s) for s in fp.path[:PATH_DEPTH])
    class_words: frozenset[str] = frozenset().union(*(ident_words(c) for c in fp.classes))
    test_words: frozenset[str] = frozenset().union(*(ident_words(v) for v in test_values))
    return Prepared(
        fp=fp,
        name=cached_norm(fp.name),
        text=cached_norm(fp.text),
        family=family(fp.role),
        test_values=test_values,
        test_words=test_words,
        classes=frozenset(fp.classes),
        class_words=class_words,
        attrs=tuple(attrs),
        path=path,
        path_weights=_PATH_LEVEL_WEIGHTS[: len(path)],
        context=tuple(cached_norm(c) for c in fp.context[:CONTEXT_DEPTH]),
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
    return tag + 0.5 * jaccard(a[1], b[1])


def _path_sim(prep: Prepared, path: tuple[str, ...]) -> float:
    """Level-by-level similarity of the ancestors, nearest weighted most; a wrapper
    added or removed costs a little, not the whole path."""
    if not path:
        return 0.0
    cand = [seg_parts(s) for s in path]
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


def _context_sim(prep: Prepared, context: tuple[str, ...]) -> tuple[float, bool]:
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


# A weighted sum over the features, one short rule each, read top to bottom
# against the weights table: split up, the weights and their rules drift apart.
def score_fingerprint(prep: Prepared, c: Fingerprint) -> tuple[float, dict[str, Any]]:  # noqa: C901
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
        sims["id"] = ident_sim(fp.id, c.id)
    if "test_id" in w:
        values = {v for _, v in c.test_ids}
        if prep.test_values & values:
            sims["test_id"] = 1.0
        elif values:
            cw = frozenset().union(*(ident_words(v) for v in values))
            sims["test_id"] = 0.8 * jaccard(prep.test_words, cw)
        else:
            sims["test_id"] = 0.0
    if "classes" in w:
        cc = frozenset(c.classes)
        if cc == prep.classes:
            sims["classes"] = 1.0
        elif cc:
            cw = frozenset().union(*(ident_words(x) for x in cc))
            sims["classes"] = max(jaccard(prep.classes, cc), 0.8 * jaccard(prep.class_words, cw))
        else:
            sims["classes"] = 0.0
    if "attributes" in w:
        total = 0.0
        for key, value in prep.attrs:
            other = _attr_value(c, key)
            if other == value:
                total += 1.0
            elif other:
                total += max(text_sim(value, other), ident_sim(value, other))
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


def score_words(
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
        if q.phrases and cached_compact(value) in {cached_compact(p) for p in q.phrases}:
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
        found = score_words(query, candidate, action)
        return found if found is not None else (0.0, {"identity": 0.0})
    return score_fingerprint(prepare(query), candidate)


def fits_action(action: str, c: Fingerprint, expected_role: str | None) -> bool:
    """Can ``action`` be done on ``c`` when the step's element had ``expected_role``?"""
    if action in IMPLIED_ROLES:
        return implied_adjust(action, as_dom_candidate(c)) is not None
    if expected_role and family(c.role) == family(expected_role):
        return True
    if action in POINTER_ACTIONS:
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


def finish_ranking(
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
