"""Playwright selector strings for chosen elements (built here, verified live by ``locate``).

Plans list selectors from the most to the least stable: test id, stable id, role and
name, placeholder, alt, title, text; then the same scoped to a labelled container; for
counting, selectors that may match a whole group.

Every selector is one a person can paste into a test: CSS (with Playwright's documented
``:has-text()`` / ``:text()`` pseudo-classes), Playwright's documented ``role=`` and
``text=`` selectors, chained with ``>>``. Never Playwright's undocumented ``internal:``
engines; :func:`public_selector` translates those (stored by older versions) on read.
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


def css_string(value: str) -> str:
    """A double-quoted CSS string."""
    return '"' + _escape(value).replace("\n", "\\a ") + '"'


def _quoted(value: str) -> str:
    """A double-quoted string in a ``role=`` / ``text=`` selector (whitespace is
    normalised when matching, so a line break may become a space)."""
    return '"' + _escape(" ".join(value.split())) + '"'


def _short(text: str) -> bool:
    return bool(text) and len(text) <= _MAX_TEXT


def stable_id(ident: str) -> bool:
    """Not empty and not one a framework generates (``ember123``, ``:r1:``, UUIDs)."""
    return bool(ident) and not _UNSTABLE_ID_RE.search(ident)


def id_selector(ident: str) -> str:
    return f"#{ident}" if _CSS_IDENT_RE.match(ident) else f"[id={css_string(ident)}]"


def role_selector(role: str, name: str | None, *, exact: bool = True, hidden: bool = False) -> str:
    """``role=button[name="Add to cart"]``: the whole accessible name (any case), or with
    ``exact=False`` any name containing it, ``[name*="add" i]``."""
    sel = f"role={role}"
    if name:
        sel += f"[name={_quoted(name)}]" if exact else f"[name*={_quoted(name)} i]"
    if hidden:
        sel += "[include-hidden=true]"
    return sel


def text_selector(text: str, *, exact: bool = True) -> str:
    """``text="Add to cart"`` (that exact text), or with ``exact=False`` the smallest
    element containing it in any case, ``:text("add")``."""
    return "text=" + _quoted(text) if exact else f":text({css_string(text)})"


# Playwright's undocumented engines as older versions stored them:
# internal:role=button[name="Add"s], internal:text="Add"i, internal:attr=[alt="x"s], ...
_INTERNAL_RE: Final = re.compile(r"^internal:([a-z-]+)=(.*)$", re.DOTALL)
_INTERNAL_NAME_RE: Final = re.compile(r'\[name=("(?:[^"\\]|\\.)*")([si])\]')
_INTERNAL_ATTR_RE: Final = re.compile(r'^\[([a-z][a-z0-9-]*)=("(?:[^"\\]|\\.)*")([si])\]$')
_INTERNAL_TEXT_RE: Final = re.compile(r'^("(?:[^"\\]|\\.)*")([si])$')
_ENGINE_RE: Final = re.compile(r"^[a-z][a-z0-9:-]*=")


def _split_chain(selector: str) -> list[str]:
    """The parts of ``a >> b >> c``, leaving ``>>`` inside quotes alone."""
    parts: list[str] = []
    start, i, quote = 0, 0, ""
    while i < len(selector):
        ch = selector[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif selector.startswith(">>", i):
            parts.append(selector[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    parts.append(selector[start:].strip())
    return parts


def _public_part(engine: str, body: str) -> str | None:
    if engine == "role":
        name = _INTERNAL_NAME_RE.search(body)
        if name is not None:
            value = name.group(1)
            swap = f"[name={value}]" if name.group(2) == "s" else f"[name*={value} i]"
            body = body[: name.start()] + swap + body[name.end() :]
        return "role=" + body
    if engine == "attr":
        attr = _INTERNAL_ATTR_RE.match(body)
        if attr is None:
            return None
        key, value, flag = attr.groups()
        return f"[{key}={value}]" if flag == "s" else f"[{key}*={value} i]"
    if engine == "text":
        text = _INTERNAL_TEXT_RE.match(body)
        if text is None:
            return None
        return text_selector(json.loads(text.group(1)), exact=text.group(2) == "s")
    return None


def public_selector(selector: str) -> str | None:
    """``selector`` in public syntax: the ``internal:`` parts older versions stored
    (role, text, attr, has-text after a CSS part) rewritten as ``role=``, ``text=`` and
    CSS; any other selector unchanged. None when a part has no public form
    (``internal:label``): the caller then treats the stored selector as gone.

    ``role`` and ``attr`` keep their meaning (exact names match in any case now); the
    exact ``text`` form matches a text node rather than the whole text: a stored
    selector is verified on the page before it is used, so a miss only costs a search."""
    if "internal:" not in selector:
        return selector
    out: list[str] = []
    for part in _split_chain(selector):
        found = _INTERNAL_RE.match(part)
        if found is None:
            out.append(part)
            continue
        engine, body = found.groups()
        if engine == "has-text":
            text = _INTERNAL_TEXT_RE.match(body)
            if text is None or text.group(2) != "i" or not out or _ENGINE_RE.match(out[-1]):
                return None
            out[-1] += f":has-text({css_string(json.loads(text.group(1)))})"
            continue
        public = _public_part(engine, body)
        if public is None:
            return None
        out.append(public)
    return " >> ".join(out)


def shown_selector(selector: str) -> str:
    """A selector bugbrain chose, as shown to a person: :func:`public_selector`, or as
    stored when it has no public form."""
    return public_selector(selector) or selector


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
    if c.placeholder:
        plan.append(f"[placeholder={css_string(c.placeholder)}]")
    if c.alt and c.tag in ("img", "input", "area"):
        plan.append(f"[alt={css_string(c.alt)}]")
    if c.title and not c.name:
        plan.append(f"[title={css_string(c.title)}]")
    if _short(c.text) and c.tag not in ("input", "select", "textarea"):  # not vocabulary: the tag
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
            plan.append(f"{node.tag}:has-text({css_string(node.label)}) >> {inner}")
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


# A list or table named by its words ("the todo list"): the words in its class, id
# or label, and its items or rows.
_SCOPES: Final = {
    "list": ('ul, ol, [role="list"]', 'li, [role="listitem"]'),
    "table": ('table, [role="table"], [role="grid"]', 'tr, [role="row"]'),
}


def named_container(target: Target) -> tuple[str, str] | None:
    """(the list, its items) for "items in the todo list": ``:is(ul, ol, ...)`` whose
    class, id or aria-label holds one of the words, and ``... :is(li, ...)``. An empty
    list shows no words to find it by; "the todo list is empty" still counts its items."""
    scope = _SCOPES.get(target.within_role or "")
    words = (target.within or "").strip()
    if scope is None or not words or words.lstrip("-").isdigit():
        return None
    named = ", ".join(
        f"[{attr}*={css_string(w)} i]"
        for w in re.split(r"[\s_-]+", words)
        if w
        for attr in ("class", "id", "aria-label")
    )
    container = f":is({scope[0]}):is({named})"
    return container, f"{container} :is({scope[1]})"


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
