"""Self-healing: which element of the page a step's missing element became (pure).

A passing step stores the :class:`Fingerprint` of the element it touched. When the
element is missing in a later run, every element of the page (a :class:`Candidate`,
decoded from one snapshot of ``runner/js/fingerprint.js``) is scored against that
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
The parts: ``records`` (fingerprint, candidate and snapshot records),
``text`` (word stems and text features), ``words`` (the words of a step
without history), ``score`` (weights, similarity, penalties and ambiguity) and
``selectors`` (selectors and descriptions); this module ranks and decides, and
re-exports the names callers use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bugbrain.elements.describe import clip
from bugbrain.elements.healing.records import (
    CONTEXT_DEPTH,
    FINGERPRINT_VERSION,
    PATH_DEPTH,
    Box,
    Candidate,
    Fingerprint,
    Node,
    Pairs,
    Snapshot,
    as_dom_candidate,
)
from bugbrain.elements.healing.score import (
    AMBIGUITY_GAP,
    AMBIGUITY_PENALTY,
    DISABLED_FACTOR,
    HIDDEN_FACTOR,
    HISTORY_THRESHOLD,
    IDENTITY_MIN,
    MIN_MARGIN,
    MIN_SIMILARITY,
    MISFIT_FACTOR,
    TEST_ID_FLOOR,
    WEIGHTS,
    WORDS_CAP,
    WORDS_THRESHOLD,
    WORDS_WEIGHTS,
    Mode,
    Prepared,
    Ranked,
    finish_ranking,
    fits_action,
    label_sim,
    prepare,
    score,
    score_fingerprint,
    score_words,
)
from bugbrain.elements.healing.selectors import (
    SELECTOR_PREFERENCE,
    Peers,
    describe,
    selector_plan,
)
from bugbrain.elements.healing.text import (
    cached_compact,
    family,
    ident_words,
    segment,
    stable_classes,
    text_sim,
    words,
)
from bugbrain.elements.healing.words import (
    Words,
    description_words,
    query_words,
    selector_words,
    snapshot_options,
)
from bugbrain.vocabulary import NEEDS_ENABLED

__all__ = [
    "AMBIGUITY_GAP",
    "AMBIGUITY_PENALTY",
    "CONTEXT_DEPTH",
    "DISABLED_FACTOR",
    "FINGERPRINT_VERSION",
    "HIDDEN_FACTOR",
    "HISTORY_THRESHOLD",
    "IDENTITY_MIN",
    "MIN_MARGIN",
    "MIN_SIMILARITY",
    "MISFIT_FACTOR",
    "PATH_DEPTH",
    "SELECTOR_PREFERENCE",
    "TEST_ID_FLOOR",
    "WEIGHTS",
    "WORDS_CAP",
    "WORDS_THRESHOLD",
    "WORDS_WEIGHTS",
    "Box",
    "Candidate",
    "Fingerprint",
    "Mode",
    "Node",
    "Pairs",
    "Peers",
    "Ranked",
    "Snapshot",
    "Words",
    "as_dom_candidate",
    "auto_heal_decision",
    "decision_from_records",
    "describe",
    "description_words",
    "family",
    "fits_action",
    "ident_words",
    "label_sim",
    "query_words",
    "rank",
    "score",
    "segment",
    "selector_plan",
    "selector_words",
    "snapshot_options",
    "stable_classes",
    "text_sim",
    "threshold",
    "words",
]

# ------------------------------------------------------------------ ranking


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


def _related(prep: Prepared, q: _Quick) -> bool:
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


def _bound(prep: Prepared, q: _Quick) -> float:
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
    squeezed = cached_compact(hay)
    return any(cached_compact(p) in squeezed for p in query.phrases if len(cached_compact(p)) >= 3)


# The search in one place: decode, score, penalise rivals, order. See the module
# docstring for the steps; each is a few lines.
def rank(  # noqa: C901
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
    needs_enabled = action in NEEDS_ENABLED
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
            found = score_words(query, c, action)
            if found is not None and found[0] >= MIN_SIMILARITY:
                add(c, *found)
    else:
        prep = prepare(query)
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
            similarity, signals = score_fingerprint(prep, c)
            if similarity < MIN_SIMILARITY:
                continue
            s = add(c, similarity, signals)
            best.append(s)
            best.sort(reverse=True)
            del best[limit:]
    return finish_ranking(scored, mode, parents, limit)


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
    if action in NEEDS_ENABLED and not c.enabled:
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
        where = clip(c.context[0])
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


def decision_from_records(records: Sequence[Mapping[str, Any]], action: str) -> tuple[bool, str]:
    """:func:`auto_heal_decision` again, from candidates a run stored (selector, score
    and ``signals``, as ``runner.heal_reads`` writes them), for results stored before
    runs kept their own decision. Only candidates that got a unique selector were
    stored, so an element ranked above them without one is not seen here."""
    if not records:
        return auto_heal_decision(None, None, action)
    best = _from_record(records[0])
    if best is None:
        return False, "the stored candidate does not say enough to decide"
    runner_up = _from_record(records[1]) if len(records) > 1 else None
    return auto_heal_decision(best, runner_up, action)


def _from_record(rec: Mapping[str, Any]) -> Ranked | None:
    signals = rec.get("signals")
    score = rec.get("score")
    if not isinstance(signals, Mapping) or not isinstance(score, int | float):
        return None
    cand = Candidate.from_dict(signals.get("element") or {})
    mode = signals.get("mode")
    if not isinstance(cand, Candidate) or mode not in ("fingerprint", "words"):
        return None
    similarity = signals.get("similarity")
    return Ranked(
        cand=cand,
        score=float(score),
        similarity=float(similarity) if isinstance(similarity, int | float) else float(score),
        mode=mode,
        signals=dict(signals),
        fits_action=signals.get("fits_action") is not False,
        ambiguity=float(signals.get("ambiguity") or 0.0),
    )
