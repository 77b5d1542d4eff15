"""Vocabulary for :mod:`bugbrain.steps.parse`: word tables and regex fragments.

Plain data (role and container words, numbers, ordinals, key names, filler and
assertion phrasings) plus :func:`key_name`; no sentence parsing happens here.
"""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- numbers

NUMBERS = {w: i for i, w in enumerate((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
))}  # fmt: skip
NUMBER_WORDS = "|".join(NUMBERS)
NUM = rf"(?:\d+|{NUMBER_WORDS})"
ORDINALS = {w: i + 1 for i, w in enumerate((
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
))}  # fmt: skip
ORD = r"(?:" + "|".join(ORDINALS) + r"|last|\d+(?:st|nd|rd|th))"
ART = r"(?:the|a|an|this|your|my)"

# --------------------------------------------------------------------------- element words

WordTable = tuple[tuple[str, str | None], ...]

# Words that name both an element and a container.
_ITEM = r"list ?items?|items?|entr(?:y|ies)"
_DIALOG = r"dialogs?|modals?|pop-?ups?"
_TABLE = r"tables?|grids?"
_REGION = r"sections?|panels?|cards?|forms?|regions?"

# Role words (as they may end a phrase) → normalised role; None = strip the word only.
ROLE_WORDS: WordTable = (
    (r"radio(?: buttons?| options?)?|radios", "radio"),
    (r"(?:check|tick) ?box(?:es)?", "checkbox"),
    (r"menu ?items?|menu options?|menu entr(?:y|ies)", "menuitem"),
    (
        r"text ?(?:box|field|area|input)s?|textareas?|input (?:field|box)s?|fields?|inputs?",
        "textbox",
    ),
    (r"box(?:es)?", "textbox"),
    (r"buttons?|btns?", "button"),
    (r"(?:hyper)?links?", "link"),
    (r"drop[- ]?downs?|select (?:box|list|menu)s?|selects?|(?:list|combo) ?box(?:es)?", "combobox"),
    (r"pickers?", "combobox"),
    (r"headings?|headlines?", "heading"),
    (r"icons?|images?|imgs?|pictures?|logos?|avatars?|thumbnails?", "img"),
    (_ITEM, "listitem"),
    (r"rows?", "row"),
    (r"cells?", "cell"),
    (r"tabs?", "tab"),
    (r"options?", "option"),
    (r"switch(?:es)?|toggles?", "switch"),
    (_DIALOG, "dialog"),
    (_TABLE, "table"),
    (_REGION, "region"),
    (r"menus?", None),  # "the Account menu": its trigger shows "Account"; no reliable role
)
# Container words ("in the Billing section") → within_role.
KINDS: WordTable = (
    (rf"{_REGION}|areas?", "region"),
    (r"rows?", "row"),
    (_TABLE, "table"),
    (_ITEM, "listitem"),
    (r"lists?", "list"),
    (r"cells?", "cell"),
    (_DIALOG, "dialog"),
    (r"nav(?:igation)?(?: ?bar)?|menu ?bar", "navigation"),
    (r"menus?|drop-?downs?", "menu"),
    (r"tabs?", "tabpanel"),
    (r"header|top bar|banner", "banner"),
    (r"footer", "contentinfo"),
    (r"side ?bar", "complementary"),
    (r"tool ?bar", "toolbar"),
)

# --------------------------------------------------------------------------- filler and non-names

FILLER_RE = re.compile(
    r"^(?:(?:then|and|when|given|but|now|next|finally|also|please)\b,?\s*"
    r"|(?:i|we|you|they|(?P<third>the user|user|he|she))\s+)",
    re.I,
)
# Words that cannot start or appear in an (unquoted) element name: the sentence was
# cut in the wrong place, or is two steps ("... and press Enter"), or repeats an action
# ("twice"), so the rule declines rather than guesses.
BAD_TEXT = re.compile(
    r"^(?:into|in|on|to|with|from|for|of|at|that|if|whether|and|or|it|one|something)\b"
    r"|\b(?:should|must|shall|not|is|are|was|were|be|been|twice|times)\b|n't\b"
    r"|\band (?:then )?(?:press|click|tap|type|enter|wait|verify|select|check|submit|go)\b",
    re.I,
)
NON_TARGET = re.compile(
    r"the|a|an|page|screen|site|app|browser|window|top|bottom|up|down|keyboard|them", re.I
)

# --------------------------------------------------------------------------- assertion phrasing

VIS = r"(?:visible|displayed|shown|present|showing|listed|on (?:the )?(?:page|screen))"
BE = r"(?:is|are|should be|must be|will be|to be|be|becomes?|should become)"
POS_VIS = rf"(?:{BE} {VIS}|(?:should |must |will |to )?(?:appears?|exists?|shows? up))"
NEG_VIS = (
    r"(?:(?:is not|isn't|are not|aren't|should not be|shouldn't be|must not be|will not be"
    rf"|won't be|not to be|is no longer|are no longer|should no longer be) {VIS}"
    rf"|{BE} (?:hidden|gone|invisible|absent|not {VIS})"
    r"|(?:does not|doesn't|do not|don't|should not|shouldn't|must not|will not|won't|not to)"
    r" (?:appear|exist|show up|show)"
    r"|(?:should |must |will |to |has )?(?:disappear(?:s|ed)?|vanish(?:es|ed)?|go(?:es)? away))"
)
NEG = (
    r"(?:cannot|can not|can't|should not|shouldn't|must not|do not|don't|does not|doesn't"
    r"|won't|will not|not)"
)
MAY = r"(?:(?:should|must|will|to|does|do) )?"
CMP = (
    rf"{MAY}(?:be equal to|equal|be|contain|include|read|say|show|display|match|have|end with)"
    r"|is equal to|equals|is|are|contains|includes|reads|says|shows|displays|matches|has|ends with"
)
LISTED = (
    r" (?:(?:are|is|should be|must be|to be|will be) )?"
    r"(?:listed|shown|displayed|visible|present|found|showing)"
)

# --------------------------------------------------------------------------- keys

_KEYS = {
    "enter": "Enter", "return": "Enter", "esc": "Escape", "escape": "Escape", "tab": "Tab",
    "space": "Space", "spacebar": "Space", "backspace": "Backspace", "delete": "Delete",
    "del": "Delete", "home": "Home", "end": "End", "pageup": "PageUp", "pgup": "PageUp",
    "pagedown": "PageDown", "pgdn": "PageDown", "insert": "Insert", "up": "ArrowUp",
    "down": "ArrowDown", "left": "ArrowLeft", "right": "ArrowRight",
}  # fmt: skip
_MODIFIERS = {
    "ctrl": "Control", "control": "Control", "cmd": "Meta", "command": "Meta", "meta": "Meta",
    "shift": "Shift", "alt": "Alt", "option": "Alt",
}  # fmt: skip


def key_name(raw: str, quoted: bool) -> str | None:
    """Playwright key name: "ctrl+a" → "Control+A", "down arrow" → "ArrowDown"."""
    text = re.sub(r"\b(page|space|back) (up|down|bar|space)\b", r"\1\2", raw.lower().strip())
    text = re.sub(r"\barrow ?(up|down|left|right)\b|\b(up|down|left|right) ?arrow\b", r"\1\2", text)
    *mods, last = [p for p in re.split(r"\s*\+\s*|\s+|(?<=\w)-(?=\w)", text) if p] or [""]
    if any(m not in _MODIFIERS for m in mods):
        return None
    key = _MODIFIERS.get(last) or _KEYS.get(last)
    if key is None and re.fullmatch(r"f(?:[1-9]|1[0-2])", last):
        key = last.upper()
    elif key is None and len(last) == 1 and (mods or quoted):
        key = last.upper() if mods else raw.strip()
    return "+".join([*(_MODIFIERS[m] for m in mods), key]) if key else None
