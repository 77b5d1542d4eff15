"""Playwright selector strings for chosen elements (built here, verified live by ``locate``).

Plans list selectors from the most to the least stable: test id, stable id, role and
name, label, placeholder, alt, title, text; then the same scoped to a labelled
container; for counting, selectors that may match a whole group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Final

from bugbrain.elements.dom import Candidate, Snapshot
from bugbrain.elements.roles import INTERACTIVE_ROLES, role_word
from bugbrain.steps.parse import Target

_UNSTABLE_ID_RE: Final = re.compile(
    r"\d{3,}|^:|^[0-9a-f]{8}-|^(?:ember|ext-gen|yui_|gwt-uid|mui-|radix-|headlessui-|react-)"
)
_CSS_IDENT_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_NAMELESS_ROLES: Final = frozenset({"presentation", "none", "generic", ""})
# Container roles whose accessible name Playwright computes from a label or legend.
_NAMED_SCOPES: Final = frozenset(
    {"dialog", "alertdialog", "region", "group", "form", "navigation", "complementary",
     "tabpanel", "menu", "toolbar", "table", "grid"}
)  # fmt: skip
_SCOPE_TAGS: Final = frozenset({"li", "tr", "div", "article", "section", "fieldset", "form"})
_MAX_SCOPES: Final = 3
# Longer texts make brittle text selectors.
_MAX_TEXT: Final = 80


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _flag(exact: bool) -> str:
    return "s" if exact else "i"


def css_string(value: str) -> str:
    """A double-quoted CSS string."""
    return '"' + _escape(value).replace("\n", "\\a ") + '"'


def _pw_attr(value: str, exact: bool = True) -> str:
    return f'"{_escape(value)}"{_flag(exact)}'


def _pw_text(value: str, exact: bool = True) -> str:
    return json.dumps(value, ensure_ascii=False) + _flag(exact)


def _short(text: str) -> bool:
    return bool(text) and len(text) <= _MAX_TEXT


def stable_id(ident: str) -> bool:
    """Not empty and not one a framework generates (``ember123``, ``:r1:``, UUIDs)."""
    return bool(ident) and not _UNSTABLE_ID_RE.search(ident)


def id_selector(ident: str) -> str:
    return f"#{ident}" if _CSS_IDENT_RE.match(ident) else f"[id={css_string(ident)}]"


def role_selector(role: str, name: str | None, *, exact: bool = True, hidden: bool = False) -> str:
    sel = f"internal:role={role}"
    if name:
        sel += f"[name={_pw_attr(name, exact)}]"
    if hidden:
        sel += "[include-hidden=true]"
    return sel


def text_selector(text: str, *, exact: bool = True) -> str:
    return "internal:text=" + _pw_text(text, exact)


def selector_plan(c: Candidate) -> list[str]:
    """Selectors for ``c`` from the most to the least stable; each is verified live."""
    plan: list[str] = []
    if c.test_id and c.test_id_unique:
        plan.append(f"[{c.test_attr}={css_string(c.test_id)}]")
    if c.id and c.id_unique and stable_id(c.id):
        plan.append(id_selector(c.id))
    if c.role not in _NAMELESS_ROLES and c.name:
        by_role = role_selector(c.role, c.name, hidden=not c.visible)
        plan.append(by_role)
        if c.enabled and c.role in INTERACTIVE_ROLES:
            plan.append(by_role + "[disabled=false]")
    if c.label and c.tag in ("input", "select", "textarea"):  # not vocabulary: the <select> tag
        plan.append("internal:label=" + _pw_text(c.label))
    if c.placeholder:
        plan.append(f"internal:attr=[placeholder={_pw_attr(c.placeholder)}]")
    if c.alt and c.tag in ("img", "input", "area"):
        plan.append(f"internal:attr=[alt={_pw_attr(c.alt)}]")
    if c.title and not c.name:
        plan.append(f"internal:attr=[title={_pw_attr(c.title)}]")
    if _short(c.text) and c.tag not in (
        "input",
        "select",
        "textarea",
    ):  # not vocabulary: the <select> tag
        plan.append(text_selector(c.text))
    return list(dict.fromkeys(plan))


def scoped_selector_plan(snap: Snapshot, c: Candidate) -> list[str]:
    """``<container> >> <element>`` selectors, for an element only unique inside its
    dialog / section / card / row (more stable than a CSS path)."""
    if c.role not in _NAMELESS_ROLES:
        inner = role_selector(c.role, c.name or None, hidden=not c.visible)
    elif _short(c.text):
        inner = text_selector(c.text)
    else:
        return []
    plan: list[str] = []
    seen = 0
    for anc in snap.ancestors(c.node):
        node = snap.nodes[anc]
        if not node.container or not node.label:
            continue
        seen += 1
        if node.role in _NAMED_SCOPES:
            plan.append(f"{role_selector(node.role, node.label)} >> {inner}")
        if node.tag in _SCOPE_TAGS:
            has_text = "internal:has-text=" + _pw_text(node.label, exact=False)
            plan.append(f"{node.tag} >> {has_text} >> {inner}")
        if seen >= _MAX_SCOPES:
            break
    return plan


def group_selector_plan(group: Sequence[Candidate]) -> list[str]:
    """Selectors that may match exactly the elements of ``group`` (for counting)."""
    plan: list[str] = []
    if not group:
        return plan
    roles = {c.role for c in group}
    names = {c.name for c in group}
    if len(roles) == 1 and (role := next(iter(roles))) not in _NAMELESS_ROLES:
        plan.append(role_selector(role, next(iter(names)) if len(names) == 1 else None))
    attrs = {c.test_attr for c in group}
    tids = [c.test_id for c in group]
    if all(tids) and len(attrs) == 1:
        prefix = _common_prefix(tids)
        if len(prefix) >= 3:
            plan.append(f"[{next(iter(attrs))}^={css_string(prefix)}]")
    tags = {c.tag for c in group}
    if len(tags) == 1:
        common = set.intersection(*(set(c.classes.split()) for c in group))
        for cls in sorted(common):
            if _CSS_IDENT_RE.match(cls):
                plan.append(f"{next(iter(tags))}.{cls}")
                break
    texts = {c.text for c in group}
    if len(texts) == 1 and _short(text := next(iter(texts))):
        plan.append(text_selector(text))
    return plan


def fallback_group_selector(target: Target) -> str:
    """A selector for "things like this" when none are on the page yet."""
    kind = role_word(target.text)
    role = target.role or kind
    if role and kind:
        return role_selector(role, None)
    if role:
        return role_selector(role, target.text, exact=False)
    return text_selector(target.text, exact=False)


def _common_prefix(values: Sequence[str]) -> str:
    first, last = min(values), max(values)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[:i]
