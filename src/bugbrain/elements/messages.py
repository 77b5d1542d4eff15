"""What a person reads when a target is not found, ambiguous or hidden.

Elements are described as they appear (``button "Sign in" (in "Blue Mug")``) and
messages suggest the closest elements or the words that would tell matches apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bugbrain.elements.describe import clip
from bugbrain.elements.describe import describe as describe_element
from bugbrain.elements.dom import Candidate, Node, Snapshot
from bugbrain.elements.roles import implied_adjust, role_adjust
from bugbrain.elements.text_match import loose, norm, similarity
from bugbrain.steps.parse import Target
from bugbrain.steps.words import ORDINALS
from bugbrain.vocabulary import Action

_MAX_LISTED: Final = 5
_MAX_CLOSEST: Final = 3
_CLOSEST_MIN_RATIO: Final = 0.5
_ORDINAL_WORDS: Final = {n: w for w, n in ORDINALS.items()}
_FRIENDLY_ROLE: Final = {
    "textbox": "field",
    "searchbox": "search box",
    "spinbutton": "field",
    "combobox": "dropdown",
    "listbox": "list",
    "img": "image",
    "listitem": "item",
    "menuitem": "menu item",
}


_FIELD_ROLES: Final = {
    **_FRIENDLY_ROLE,
    "searchbox": "field",
}


def describe(c: Candidate) -> str:
    """``button "Sign in"`` (see ``elements.describe``)."""
    return describe_element(c.role or c.tag, (*c.names(), c.test_id))


def context_label(snap: Snapshot, c: Candidate) -> tuple[str, str] | None:
    """(label, kind) of the nearest labelled container around ``c``: ("Blue Mug", "card")."""
    own = norm(c.name or c.text)
    for anc in snap.ancestors(c.node):
        node = snap.nodes[anc]
        if node.container and node.label and norm(node.label) != own:
            return clip(node.label), _container_kind(node)
    return None


def _container_kind(node: Node) -> str:
    if node.card:
        return "card"
    if node.tag == "tr" or node.role == "row":
        return "row"
    if node.tag == "li" or node.role == "listitem":
        return "item"
    if node.role in ("dialog", "alertdialog"):
        return "dialog"
    if node.tag == "form" or node.role == "form":
        return "form"
    if node.tag in ("section", "fieldset") or node.role in ("region", "group"):
        return "section"
    if node.tag == "table":
        return "table"
    return "card"


def describe_in(snap: Snapshot, c: Candidate) -> str:
    """:func:`describe` plus the labelled container around ``c``, if any."""
    ctx = context_label(snap, c)
    return describe(c) + (f' (in "{ctx[0]}")' if ctx else "")


def _target_words(target: Target) -> str:
    role = f" ({target.role})" if target.role else ""
    where = ""
    if target.within:
        where += f' in "{target.within}"'
    elif target.within_role:
        where += f" in a {target.within_role}"
    if target.near:
        where += f' near "{target.near}"'
    return f'"{target.text}"{role}{where}'


def not_found_message(snap: Snapshot, target: Target, action: str) -> str:
    msg = f"No element matches {_target_words(target)}"
    closest = closest_descriptions(snap, target, action)
    return msg + (". Closest: " + ", ".join(closest) if closest else "")


def closest_descriptions(snap: Snapshot, target: Target, action: str = Action.CLICK) -> list[str]:
    """Up to 3 visible elements whose names look most like the words; elements of the
    right kind first."""
    q = loose(target.text)
    ranked: list[tuple[bool, float, int, Candidate]] = []
    for c in snap.candidates:
        if not c.visible or not (c.role or c.clickable):
            continue
        sim = similarity(target.text, c) if q else 0.0
        if sim < _CLOSEST_MIN_RATIO:
            continue
        fits = (
            role_adjust(target.role, c) if target.role else implied_adjust(action, c)
        ) is not None
        ranked.append((not fits, -sim, c.order, c))
    ranked.sort(key=lambda t: (t[0], t[1], t[2]))
    out: list[str] = []
    for *_, c in ranked:
        d = describe(c)
        if d not in out:
            out.append(d)
        if len(out) >= _MAX_CLOSEST:
            break
    return out


def ordinal_word(n: int) -> str:
    """1 → "first", 11 → "11th", -1 → "last", -2 → "second from last"."""
    if n == -1:
        return "last"
    if n < 0:
        return f"{_ordinal_word_pos(-n)} from last"
    return _ordinal_word_pos(n)


def _ordinal_word_pos(n: int) -> str:
    if n in _ORDINAL_WORDS:
        return _ORDINAL_WORDS[n]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ordinal_message(target: Target, count: int) -> str:
    n = target.ordinal or 1
    only = "no element matches" if count == 0 else (
        "only 1 matches" if count == 1 else f"only {count} match"
    )  # fmt: skip
    return f"There is no {ordinal_word(n)} {_target_words(target)}: {only}"


def ambiguous_message(snap: Snapshot, target: Target, tied: Sequence[Candidate]) -> str:
    """Lists the equally good matches and suggests words that pick one."""
    listed = ", ".join(describe_in(snap, c) for c in tied[:_MAX_LISTED])
    if len(tied) > _MAX_LISTED:
        listed += ", …"
    head = (
        f'Ambiguous target "{target.text}": {len(tied)} elements match equally well: '
        f"{listed} — say which one, e.g. "
    )
    first = tied[0]
    # Fields of any kind are one kind to a reader: a scope tells them apart, not a kind.
    kinds = list(dict.fromkeys(_FIELD_ROLES.get(c.role, c.role) for c in tied))
    if len(kinds) > 1 and all(kinds) and not target.role:
        # A link and a button, say: the kind tells them apart.
        return head + " or ".join(f'"the {target.text} {k}"' for k in kinds[:3])
    kind = _FRIENDLY_ROLE.get(first.role, first.role) if first.role else ""
    example = f'"the second {target.text}{" " + kind if kind else ""}"'
    ctx = next(filter(None, (context_label(snap, c) for c in tied)), None)
    if ctx is not None:
        label, ckind = ctx
        prep = "on" if ckind in ("card", "item") else "in"
        example += f' or "{target.text} {prep} the {label} {ckind}"'
    return head + example


def hidden_message(snap: Snapshot, best: Candidate, action: str) -> str:
    desc = describe_in(snap, best)
    if action == Action.ASSERT_VISIBLE:
        return f"Expected {desc} to be visible but it is hidden"
    if action == Action.WAIT:
        return f"Timed out waiting for {desc} to be visible (element is hidden)"
    return f"Element not interactable: {desc} (hidden)"
