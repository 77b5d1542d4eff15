"""Self-healing selectors and descriptions (pure): selectors for a healed element, most
stable first, and the short description of an element in reasons and reports."""

from __future__ import annotations

import re
from collections import Counter
from functools import cached_property
from typing import Final

from bugbrain.elements import selectors
from bugbrain.elements.describe import describe as describe_element
from bugbrain.elements.healing.records import (
    PATH_DEPTH,
    Candidate,
    Fingerprint,
    Snapshot,
    as_dom_candidate,
)

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


def describe(c: Fingerprint) -> str:
    """``button "Add to cart" (.product-add-btn)`` (see ``elements.describe``)."""
    if c.test_ids:
        hint = f"[{c.test_ids[0][0]}={c.test_ids[0][1]}]"
    elif c.id:
        hint = "#" + c.id
    elif c.classes:
        hint = "." + c.classes[0]
    else:
        hint = ""
    return describe_element(c.role or c.tag, (c.name, c.text, c.placeholder, c.value), hint)


_CSS_IDENT_RE: Final = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")


def _inner(c: Candidate) -> str | None:
    """A selector for ``c`` inside a scope (role and name, text, or tag and class)."""
    if c.role and c.name and c.role not in ("presentation", "none", "generic"):
        return selectors.role_selector(c.role, c.name, hidden=not c.visible)
    if (
        c.text and len(c.text) <= 80 and c.tag not in ("input", "select", "textarea")
    ):  # not vocabulary: the <select> tag
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
        if selector.startswith("role=") and "[name=" in selector:
            if "[include-hidden=true]" in selector:
                same = sum(self.role_names[(c.role, c.name, v)] for v in (True, False))
            else:
                same = self.role_names[(c.role, c.name, True)]
            return same > 1
        if selector.startswith("text="):
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
    role and name, label / placeholder / alt / title, text (``elements.selectors``); then
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
