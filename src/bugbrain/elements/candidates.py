"""Which element of a DOM snapshot a :class:`Target` means (pure, no Playwright).

``locate`` takes one snapshot of the page (``runner/js/snapshot.js``), turns it into a
:class:`Snapshot` and asks :func:`decide` which element the words mean. Everything
here is deterministic so it can be unit-tested with tables of fake records.

Scores: the text match (:mod:`~bugbrain.elements.text_match`, 0-100); the role the
sentence or the action implies adds 0 or a small penalty or rules the element out
(:mod:`~bugbrain.elements.roles`); enabled and clickable elements get a few points for
actions. Below :data:`MIN_SCORE` an element does not match at all. "within" and
"near" then narrow the matches to one container or the closest ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from bugbrain.elements.dom import MAX_RECORDS, Candidate, Mark, Snapshot
from bugbrain.elements.icons import IconMatch, control_for, icon_match, icon_words
from bugbrain.elements.messages import (
    ambiguous_message,
    describe,
    hidden_message,
    not_found_message,
    ordinal_message,
)
from bugbrain.elements.roles import (
    CONTAINER_ROLES,
    CONTROL_ROLES,
    IMPLIED_ROLES,
    INTERACTIVE_ROLES,
    TEXT_ENTRY_ROLES,
    implied_adjust,
    role_adjust,
    role_word,
)
from bugbrain.elements.text_match import (
    COMPACT,
    EXACT,
    EXACTISH,
    NO_MATCH,
    STOPWORDS,
    Matcher,
    TextMatch,
    compact,
    loose,
    norm,
    stem,
    text_score,
)
from bugbrain.steps.controls import Control
from bugbrain.steps.parse import Target
from bugbrain.vocabulary import (
    HIDDEN_OK,
    INTERACTIONS,
    POINTER_ACTIONS,
    PRESENCE_CHECKS,
    Action,
)

MIN_SCORE: Final = 40.0
# Text score of every element when the words name only a kind ("the checkbox").
_GENERIC: Final = 70.0
_TIE: Final = 1e-6
# Bonuses that break ties between otherwise equal matches (for actions only).
_ENABLED_BONUS: Final = 3.0
_CLICKABLE_BONUS: Final = 4.0

# The control "check Buy milk" means when the words are plain text next to it.
_PROXIMITY_ROLES: Final[Mapping[str, str]] = {
    "check": "checkbox",
    "uncheck": "checkbox",
    "fill": "textbox",
    "clear": "textbox",
    "select": "combobox",
}


# --------------------------------------------------------------------------- snapshot request


def query_tokens(target: Target) -> list[str]:
    """Lower-case word stems the snapshot keeps elements by (a cheap superset prefilter)."""
    out: list[str] = []
    for text in (target.text, target.near):
        if not text or (text is target.text and role_word(text)):
            continue
        words = [stem(w) for w in loose(text).split() if len(w) >= 3 and w not in STOPWORDS]
        out.extend(words or [loose(text) or norm(text)])
    control = control_for(target.text)
    if control is not None:  # aria-label="Remove item" for "delete"
        out.extend(w for w in icon_words(control) if len(w) >= 3)
    return sorted(set(out))


def _wide(target: Target) -> bool:
    """The words name a kind of element, not an element: look at every interactive one."""
    same = target.near is not None and norm(target.near) == norm(target.text)
    return same or role_word(target.text) is not None


def snapshot_options(target: Target, action: str, *, wide: bool = False) -> dict[str, Any]:
    """The arguments of one snapshot for ``target`` (see ``runner/js/snapshot.js``)."""
    roles = set(IMPLIED_ROLES.get(action, ()))
    if target.role in CONTROL_ROLES:
        roles.add(target.role)
    text = "" if role_word(target.text) else compact(target.text)
    control = control_for(target.text)
    return {
        "mode": "snapshot",
        "probes": probes(target),
        "tokens": query_tokens(target),
        "compact": text if len(text) >= 3 else "",
        "roles": sorted(roles),
        "wide": wide or _wide(target),
        "icons": icon_words(control) if control is not None else [],
        "max": MAX_RECORDS,
    }


def probes(target: Target) -> list[str]:
    """Texts whose presence the snapshot marks on every node: within, near, text."""
    within = target.within if target.within and not role_word(target.within) else None
    return [norm(within or ""), norm(target.near or ""), norm(target.text)]


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class Scored:
    cand: Candidate
    # Text match (after the quoted-words factor) plus role penalty: equal for "the same".
    base: float
    # base plus tie-breaking bonuses (enabled, clickable).
    score: float
    # How the words matched (a kind-only query has NO_MATCH), or the icon evidence.
    text: TextMatch = NO_MATCH
    icon: IconMatch | None = None
    # The element says all of the words (or is the control they name): a partial
    # match is never chosen while one of these exists.
    whole: bool = True
    # ``score`` with the names a person sees unweighted: two controls of one kind
    # answering to the words by label and by placeholder tie (ambiguous).
    tie: float = 0.0


DecisionKind = Literal["found", "ambiguous", "not_found", "hidden", "no_such_ordinal"]


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    message: str = ""
    chosen: Scored | None = None
    # The equally good matches (ambiguous), the hidden matches (hidden), or the
    # whole best group (found / resolve_all).
    group: tuple[Scored, ...] = ()
    # Node of the container "within" restricted the search to, or -1.
    container: int = -1
    description: str = ""
    # found: why the chosen element won (how it matched, where, the next best).
    reasons: tuple[str, ...] = ()


@dataclass
class _Query:
    target: Target
    action: str
    text: str | None  # None: any element of the role ("the checkbox next to X")
    role: str | None
    # The control the words name by what it does ("delete"), found also by icon.
    control: Control | None
    within_text: str | None
    within_roles: frozenset[str]
    near: str | None
    # Which node mark says "contains the near words": 2 = the near text, 4 = the target text.
    near_mark: Mark = Mark.NEAR
    strict_proximity: bool = False


def _make_query(target: Target, action: str) -> _Query:
    within_text = target.within.strip() if target.within and target.within.strip() else None
    within_role = target.within_role
    if within_text and role_word(within_text):
        within_role = role_word(within_text)
        within_text = None
    within_roles = (
        CONTAINER_ROLES.get(within_role, frozenset({within_role})) if within_role else frozenset()
    )
    near = target.near.strip() if target.near and target.near.strip() else None
    text: str | None = target.text
    if near and norm(target.text) == norm(near):
        text = None
    control = control_for(text) if text is not None else None
    return _Query(target, action, text, target.role, control, within_text, within_roles, near)


def _kind_query(q: _Query) -> _Query | None:
    """The query for "any <kind>" when the unquoted words are a bare kind word."""
    if q.text is None or q.target.quoted:
        return None
    kind = role_word(q.text)
    if kind and q.role in (None, kind):
        return replace(q, text=None, role=kind, control=None)
    return None


def _text_score(q: _Query, matcher: Matcher | None, c: Candidate) -> Scored | None:
    """The words' match on ``c`` before role and bonuses (``base`` = ``score`` = text)."""
    if matcher is None:
        return Scored(c, _GENERIC, _GENERIC, tie=_GENERIC)
    found = matcher.match(c)
    ts, shown, whole = found.score, found.shown, found.whole
    icon = icon_match(q.control, c) if q.control is not None else None
    if icon is not None and icon.score > ts:
        ts = shown = icon.score
        whole = True
    if q.target.quoted and ts < EXACTISH:
        ts, shown = ts * 0.85, shown * 0.85
    if ts < MIN_SCORE:
        return None
    # Plain text is only clicked when it says exactly that.
    if q.action in POINTER_ACTIONS and not c.clickable and ts < COMPACT:
        return None
    shown_icon = icon if icon is not None and icon.score >= found.score else None
    return Scored(c, ts, ts, found, shown_icon, whole, max(ts, shown))


def _score_all(q: _Query, snap: Snapshot) -> list[Scored]:
    out: list[Scored] = []
    interaction = q.action in INTERACTIONS
    matcher = Matcher(q.text) if q.text is not None else None
    for c in snap.candidates:
        scored = _text_score(q, matcher, c)
        if scored is None:
            continue
        adj = role_adjust(q.role, c) if q.role else implied_adjust(q.action, c)
        if adj is None:
            continue
        if q.role and implied_adjust(q.action, c) is None:
            continue  # "check the Email field": the action cannot work on it
        bonus = adj
        if interaction and c.enabled:
            bonus += _ENABLED_BONUS
        if q.action in POINTER_ACTIONS and not q.role and _active(c):
            bonus += _CLICKABLE_BONUS
        out.append(
            replace(
                scored,
                base=scored.base + adj,
                score=scored.base + bonus,
                tie=scored.tie + bonus,
            )
        )
    return out


def _active(c: Candidate) -> bool:
    return c.role in INTERACTIVE_ROLES or c.clickable


def _dedupe(snap: Snapshot, scored: list[Scored]) -> list[Scored]:
    """Drop a match that is the same thing as another one (a label and its control,
    a plain span inside the button that carries the same words)."""
    by_node = {s.cand.node: s for s in scored}
    drop: set[int] = set()
    for s in scored:
        c = s.cand
        if c.tag == "label" and c.control in by_node:
            other = by_node[c.control]
            if other.cand.visible or not c.visible:
                drop.add(c.node)
                continue
        for anc in snap.ancestors(c.node):
            outer = by_node.get(anc)
            if outer is None or abs(outer.base - s.base) > _TIE:
                continue
            if outer.cand.tag == "label" and outer.cand.control == c.node:
                continue  # handled above
            if _active(outer.cand) and not _active(c):
                drop.add(c.node)
            else:
                drop.add(anc)
    return [s for s in scored if s.cand.node not in drop]


# --------------------------------------------------------------------------- within / near


def _within_key(q: _Query, snap: Snapshot, c: Candidate) -> tuple[int, int, int, int] | None:
    """(rank..., container node) of the container ``c`` is in, best rank = tightest."""
    for anc in snap.ancestors(c.node):
        node = snap.nodes[anc]
        role_hit = bool(q.within_roles) and node.role in q.within_roles
        if q.within_text is None:
            if role_hit:
                return (0, 0, node.text_len, anc)
            continue
        if node.marks & Mark.WITHIN:
            exact = norm(node.label) == norm(q.within_text)
            return (0 if exact else 1, 0 if role_hit else 1, node.text_len, anc)
    return None


def _restrict_within(q: _Query, snap: Snapshot, scored: list[Scored]) -> tuple[list[Scored], int]:
    if q.within_text is None and not q.within_roles:
        return scored, -1
    keyed = [(k, s) for s in scored if (k := _within_key(q, snap, s.cand)) is not None]
    if not keyed:
        return [], -1
    best = min(k[:3] for k, _ in keyed)
    kept = [(k, s) for k, s in keyed if k[:3] == best]
    containers = {k[3] for k, _ in kept}
    return [s for _, s in kept], (containers.pop() if len(containers) == 1 else -1)


def _own_match(text: str, c: Candidate) -> bool:
    return text_score(text, c) >= 65.0


def _near_key(q: _Query, snap: Snapshot, c: Candidate) -> int | None:
    """0 when ``c`` itself says the near words, else the size of the tightest
    container that holds them; None when none does."""
    assert q.near is not None
    if _own_match(q.near, c):
        return 0
    for anc in snap.ancestors(c.node):
        if snap.nodes[anc].marks & q.near_mark:
            return max(1, snap.nodes[anc].text_len)
    return None


def _restrict_near_container(q: _Query, snap: Snapshot, scored: list[Scored]) -> list[Scored]:
    if q.near is None:
        return scored
    keyed = [(k, s) for s in scored if (k := _near_key(q, snap, s.cand)) is not None]
    if not keyed:
        return []
    best = min(k for k, _ in keyed)
    return [s for k, s in keyed if k == best]


def _box_distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    dx = max(0.0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
    dy = max(0.0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
    return math.hypot(dx, dy)


def _restrict_near_distance(q: _Query, snap: Snapshot, scored: list[Scored]) -> list[Scored]:
    if q.near is None or len(scored) < 2:
        return scored
    chosen = {s.cand.node for s in scored}
    anchors = [
        c for c in snap.candidates if c.visible and c.node not in chosen and _own_match(q.near, c)
    ]
    if not anchors:
        return scored
    dist = sorted(
        (min(_box_distance(s.cand.box, a.box) for a in anchors), s.cand.order, s) for s in scored
    )
    first, second = dist[0][0], dist[1][0]
    margin_ok = first < 0.6 * second if q.strict_proximity else first + 1.0 < second
    return [dist[0][2]] if margin_ok else [d[2] for d in dist if d[0] <= first + 1.0]


def _pipeline(q: _Query, snap: Snapshot) -> tuple[list[Scored], list[Scored], int]:
    """(matches left after within/near/visibility, hidden-only matches, container)."""
    scored = _dedupe(snap, _score_all(q, snap))
    scored, container = _restrict_within(q, snap, scored)
    scored = _restrict_near_container(q, snap, scored)
    scored = _whole_first(scored)
    visible = [s for s in scored if s.cand.visible]
    if visible:
        if q.strict_proximity:
            return visible, [], container
        return _restrict_near_distance(q, snap, visible), [], container
    if q.action in HIDDEN_OK or q.action == Action.ASSERT_COUNT:
        return scored, [], container
    return [], scored, container


def _whole_first(scored: list[Scored]) -> list[Scored]:
    """Never a partial match while an element says all of the words: keep only those
    (even hidden ones: then the step reveals that one or fails, never takes the other)."""
    whole = [s for s in scored if s.whole]
    return whole or scored


_NATIVE_TAGS: Final = ("a", "button", "input", "select", "textarea")  # not vocabulary: tags
_NATIVE_CONTROLS: Final = frozenset(_NATIVE_TAGS)


def _a_control(c: Candidate) -> bool:
    """A control in its own right, not text that a widget gave a role."""
    return (
        c.tag in _NATIVE_CONTROLS
        or c.role in CONTROL_ROLES
        or (c.role in INTERACTIVE_ROLES and c.tag != "label")
    )


def _proximity_query(q: _Query, snap: Snapshot) -> _Query | None:
    """ "Check Buy milk" where the checkbox has no name: the one control that shares the
    tightest container with the words. Only when the words are plain text on the page
    (not the name of some other control: a widget's text with a role, such as Dojo's
    click-to-edit ``<label role="button">Pay rent</label>``, still counts as text)."""
    if q.text is None or q.near is not None:
        return None
    matcher = Matcher(q.text)
    anchors = [c for c in snap.candidates if c.visible and matcher.best(c) >= EXACTISH]
    if not anchors or any(_a_control(c) for c in anchors):
        return None
    role = q.role if q.role is not None else _PROXIMITY_ROLES.get(q.action)
    if role not in CONTROL_ROLES:
        return None
    return replace(
        q, text=None, role=role, near=q.text, near_mark=Mark.TARGET, strict_proximity=True
    )


# --------------------------------------------------------------------------- decide


def decide(snap: Snapshot, target: Target, action: str) -> Decision:
    """Which element ``target`` means for ``action`` on this snapshot."""
    q = _make_query(target, action)
    matches, hidden, container = _pipeline(q, snap)
    if not matches and not hidden and (kind_q := _kind_query(q)) is not None:
        # "Click the checkbox": a bare kind word, unless something is literally named so.
        q = kind_q
        matches, hidden, container = _pipeline(q, snap)
    if not matches and not hidden:
        prox = _proximity_query(q, snap)
        if prox is not None:
            pm, ph, pc = _pipeline(prox, snap)
            if len(pm) == 1 or (not pm and len(ph) == 1):
                q, matches, hidden, container = prox, pm, ph, pc
    if not matches:
        if hidden:
            best = max(hidden, key=lambda s: (s.score, -s.cand.order))
            return Decision(
                "hidden",
                message=hidden_message(snap, best.cand, action),
                chosen=best,
                group=tuple(hidden),
                container=container,
                description=describe(best.cand),
            )
        return Decision("not_found", message=not_found_message(snap, target, action))
    return _choose(q, snap, matches, container)


def _best_group(matches: list[Scored], key: Callable[[Scored], float]) -> list[Scored]:
    """The matches as good as the best by ``key``, in page order."""
    top = max(key(s) for s in matches)
    return sorted((s for s in matches if abs(key(s) - top) <= _TIE), key=lambda s: s.cand.order)


def _choose(q: _Query, snap: Snapshot, matches: list[Scored], container: int) -> Decision:
    target = q.target
    group = _best_group(matches, lambda s: s.base)
    n = target.ordinal
    if n is not None and n != 0:
        if n > len(group) or -n > len(group):
            return Decision(
                "no_such_ordinal",
                message=ordinal_message(target, len(group)),
                group=tuple(group),
                container=container,
            )
        chosen = group[n - 1] if n > 0 else group[n]
    else:
        tied = _best_group(matches, lambda s: s.score)
        tied += [s for s in matches if s not in tied and _answers_alike(s, tied[0])]
        if len(tied) > 1 and q.action not in PRESENCE_CHECKS:
            return Decision(
                "ambiguous",
                message=ambiguous_message(snap, target, [s.cand for s in tied]),
                group=tuple(tied),
                container=container,
            )
        chosen = tied[0]
    return Decision(
        "found",
        chosen=chosen,
        group=tuple(group),
        container=container,
        description=describe(chosen.cand),
        reasons=_reasons(q, snap, chosen, matches, container),
    )


def _answers_alike(a: Scored, b: Scored) -> bool:
    """Two controls of one kind that show the words alike (one by its label, the other
    by its placeholder, say): the weights that rank names must not pick one silently."""
    same_kind = a.cand.role == b.cand.role or (
        a.cand.role in TEXT_ENTRY_ROLES and b.cand.role in TEXT_ENTRY_ROLES
    )
    return same_kind and a.whole and b.whole and abs(a.tie - b.tie) <= _TIE


def _reasons(
    q: _Query, snap: Snapshot, chosen: Scored, matches: list[Scored], container: int
) -> tuple[str, ...]:
    """Why ``chosen`` won, as a person checks it: how it matched, where, over what."""
    out: list[str] = []
    if chosen.icon is not None:
        out.append(chosen.icon.reason())
    elif chosen.text.field:
        out.append(chosen.text.reason())
    else:
        out.append(f"the only kind of element the words name: {q.role or 'any'}")
    if q.role:
        out.append(f"a {q.role}, as the step says")
    if container >= 0:
        node = snap.nodes[container]
        out.append(
            f'inside the {node.role or node.tag} "{node.label}"'
            if node.label
            else "inside the container the step names"
        )
    if q.near:
        out.append(f'the closest such element to "{q.near}"')
    if q.target.ordinal:
        out.append(f"number {q.target.ordinal} of the equal matches in page order")
    # Every match, also the partial ones the choice passed over (the likely decoys).
    others = sorted(
        (s for s in _dedupe(snap, _score_all(q, snap)) if s.cand.node != chosen.cand.node),
        key=lambda s: -s.score,
    )
    if others:
        out.append(f"next best: {describe(others[0].cand)} ({round(others[0].base / EXACT, 2)})")
    return tuple(out)


def decide_all(snap: Snapshot, target: Target) -> Decision:
    """All elements of the described kind (for counting); ordinal is ignored."""
    q = _make_query(replace(target, ordinal=None), Action.ASSERT_COUNT)
    kind_q = _kind_query(q)
    if kind_q is not None and not _pipeline(q, snap)[0]:
        q = kind_q
    matches, _, container = _pipeline(q, snap)
    visible = [s for s in matches if s.cand.visible]
    if not visible:
        return Decision("not_found", message=not_found_message(snap, target, Action.ASSERT_COUNT))
    group = _best_group(visible, lambda s: s.base)
    return Decision("found", chosen=group[0], group=tuple(group), container=container)
