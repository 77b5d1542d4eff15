"""Which kinds of element (ARIA roles) the words and the action can mean.

Kind words ("checkbox", "dropdown") → roles, the roles an action can act on, and the
penalty a candidate gets for its role: 0 or a small negative number, or None when it
is the wrong kind altogether.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from bugbrain.elements.dom import Candidate
from bugbrain.elements.text_match import loose
from bugbrain.vocabulary import TEXT_ENTRY, Action

INTERACTIVE_ROLES: Final = frozenset(
    {
        "button",
        "link",
        "textbox",
        "searchbox",
        "spinbutton",
        "combobox",
        "listbox",
        "checkbox",
        "radio",
        "switch",
        "slider",
        "tab",
        "menuitem",
        "menuitemcheckbox",
        "menuitemradio",
        "option",
        "treeitem",
    }
)
TEXT_ENTRY_ROLES: Final = frozenset({"textbox", "searchbox", "spinbutton", "combobox"})
CHECKABLE_ROLES: Final = frozenset(
    {"checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"}
)

# The roles an action can act on (actions not listed act on anything).
IMPLIED_ROLES: Final[Mapping[str, frozenset[str]]] = {
    "fill": TEXT_ENTRY_ROLES,
    "clear": TEXT_ENTRY_ROLES,
    "assert_value": TEXT_ENTRY_ROLES | {"listbox"},
    "check": CHECKABLE_ROLES,
    "uncheck": CHECKABLE_ROLES,
    "select": frozenset({"combobox", "listbox"}),
}
CONTROL_ROLES: Final = frozenset(r for roles in IMPLIED_ROLES.values() for r in roles)

# Words that name a kind of element rather than an element ("the checkbox next to X").
ROLE_WORDS: Final[Mapping[str, str]] = {
    "button": "button",
    "link": "link",
    "field": "textbox",
    "input": "textbox",
    "textbox": "textbox",
    "text box": "textbox",
    "text field": "textbox",
    "text area": "textbox",
    "textarea": "textbox",
    "checkbox": "checkbox",
    "check box": "checkbox",
    "tickbox": "checkbox",
    "tick box": "checkbox",
    "radio": "radio",
    "radio button": "radio",
    "dropdown": "combobox",
    "drop-down": "combobox",
    "drop down": "combobox",
    "select": "combobox",
    "combobox": "combobox",
    "list box": "listbox",
    "listbox": "listbox",
    "heading": "heading",
    "image": "img",
    "img": "img",
    "icon": "img",
    "logo": "img",
    "picture": "img",
    "row": "row",
    "cell": "cell",
    "item": "listitem",
    "list item": "listitem",
    "listitem": "listitem",
    "entry": "listitem",
    "tab": "tab",
    "menu item": "menuitem",
    "menuitem": "menuitem",
    "option": "option",
    "switch": "switch",
    "toggle": "switch",
    "dialog": "dialog",
    "modal": "dialog",
    "popup": "dialog",
    "pop-up": "dialog",
    "table": "table",
    "form": "form",
    "section": "region",
    "panel": "region",
    "card": "region",
    "region": "region",
    "navigation": "navigation",
    "nav": "navigation",
    "menu": "menu",
    "sidebar": "complementary",
    "header": "banner",
    "footer": "contentinfo",
    "list": "list",
    "toolbar": "toolbar",
}

# Roles of containers a "within" role word may mean.
CONTAINER_ROLES: Final[Mapping[str, frozenset[str]]] = {
    "dialog": frozenset({"dialog", "alertdialog"}),
    "region": frozenset(
        {"region", "group", "form", "article", "dialog", "listitem", "row", "tabpanel"}
    ),
    "form": frozenset({"form"}),
    "table": frozenset({"table", "grid", "treegrid"}),
    "row": frozenset({"row", "listitem"}),  # a person calls a list's item a row too
    "listitem": frozenset({"listitem", "row"}),
    "list": frozenset({"list", "listbox"}),
    "navigation": frozenset({"navigation", "menubar"}),
    "menu": frozenset({"menu", "menubar", "navigation"}),
}

# Near misses: role named → {role found: penalty}.
_SIMILAR_ROLES: Final[Mapping[str, Mapping[str, float]]] = {
    "checkbox": {"switch": -5.0, "menuitemcheckbox": -5.0},
    "radio": {"menuitemradio": -5.0},
    "combobox": {"listbox": 0.0},
    "listbox": {"combobox": -2.0},
    "switch": {"checkbox": -5.0},
    "row": {"listitem": -6.0},
    "listitem": {"row": -6.0, "option": -6.0},
    "cell": {"gridcell": 0.0, "columnheader": 0.0, "rowheader": 0.0},
    "menuitem": {"menuitemcheckbox": 0.0, "menuitemradio": 0.0, "option": -5.0},
    "option": {"menuitem": -5.0},
    "dialog": {"alertdialog": 0.0},
    "region": {r: -2.0 for r in CONTAINER_ROLES["region"]},
}
_BTN_CLASS_RE: Final = re.compile(r"(?:^|[\s_-])(?:btn|button)(?:$|[\s_-])", re.IGNORECASE)
_LINK_CLASS_RE: Final = re.compile(r"(?:^|[\s_-])link(?:$|[\s_-])", re.IGNORECASE)
# A <label> stands for its control, slightly behind the control itself.
_LABEL_PENALTY: Final = -2.0


def role_word(text: str) -> str | None:
    """The role a bare kind word means ("checkboxes" → "checkbox"), else None."""
    t = loose(text)
    if t in ROLE_WORDS:
        return ROLE_WORDS[t]
    for suffix in ("es", "s"):
        if t.endswith(suffix) and t[: -len(suffix)] in ROLE_WORDS:
            return ROLE_WORDS[t[: -len(suffix)]]
    return None


def role_adjust(hint: str, c: Candidate) -> float | None:
    """Penalty (<= 0) for a candidate given the role the sentence named; None = wrong kind."""
    role = c.role
    if c.tag == "label" and c.control_role:
        adj = role_adjust(hint, replace(c, role=c.control_role, tag="input", control_role=""))
        return None if adj is None else adj + _LABEL_PENALTY
    if role == hint:
        return 0.0
    if hint == "button":
        if role == "link" and (_BTN_CLASS_RE.search(c.classes) or _icon_only(c)):
            return -8.0
        if not role and c.clickable and _BTN_CLASS_RE.search(c.classes):
            return -10.0
        return None
    if hint == "link":
        return -8.0 if role == "button" and _LINK_CLASS_RE.search(c.classes) else None
    if hint == "textbox":
        if role in TEXT_ENTRY_ROLES or c.editable:
            return (
                0.0 if role != "combobox" or c.tag != "select" else -5.0
            )  # not vocabulary: the <select> tag
        return None
    if hint == "img":
        if role in ("button", "link") and _icon_only(c):
            return -6.0  # an icon-only button or link
        return None
    if hint == "region" and not role and c.tag in ("section", "div", "aside", "article"):
        return -5.0
    return _SIMILAR_ROLES.get(hint, {}).get(role)


def _icon_only(c: Candidate) -> bool:
    """A control that shows an icon, not words: no text, a glyph, or an SVG's title."""
    text = loose(c.text)
    return not text or len(c.text.strip()) <= 2 or any(s == "svg-title" for s, _ in c.icons)


def implied_adjust(action: str, c: Candidate) -> float | None:
    """Penalty for a candidate given what the action can act on; None = cannot."""
    roles = IMPLIED_ROLES.get(action)
    if roles is None:
        return 0.0
    is_label = c.tag == "label" and bool(c.control_role)
    role = c.control_role if is_label else c.role
    if action in TEXT_ENTRY:
        ok = (role in roles and c.tag != "select") or c.editable  # not vocabulary: the <select> tag
    else:
        ok = role in roles or (c.editable and action == Action.ASSERT_VALUE)
    if not ok:
        return None
    return _LABEL_PENALTY if is_label else 0.0
