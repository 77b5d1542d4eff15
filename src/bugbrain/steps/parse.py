"""Plain-English steps → intents (pure: no Playwright, no network, no model).

``parse("Click 'Add to cart' on the Blue Mug card")`` →
``Intent(action="click", target=Target(text="Add to cart", within="Blue Mug",
within_role="region", quoted=True))``.

An intent's ``action`` is an :class:`~bugbrain.vocabulary.Action`; its ``target``
names an element in words, resolved against the live page by ``runner.locate``.

How it works: quotes are masked and leading filler ("Then I", "the user") dropped
(``steps.phrases.prepare``), then the ordered rule table below is tried; each rule
builds an Intent or declines (None) so the next one can try.  Every rule shares one
noun-phrase parser, ``steps.phrases.parse_target``; word tables live in
``steps.words``.

A role is only ever taken from a word in the sentence ("button", "field"...),
never implied by the action.  Nothing is guessed: a sentence no rule accepts
raises :class:`UnparseableStepError`.

Why one module of ~670 lines: the table is tried top to bottom and its order is
its meaning (an earlier rule wins); split across files, that order would be
hidden in import order. Each rule is a few lines.

Decisions where English is ambiguous: "press"/"hit" + key name is a key press, anything
else (incl. "press the Submit button") a click; "select/choose/pick X" is a select only
with "from/in <dropdown>", a check with a radio/checkbox word, a click with another role
word, else unparseable; "the Account menu" strips "menu" (role None); "in the first row"
→ within="1", within_role="row"; "<thing> is/to be <v>" is assert_value for a field or a
role-less noun (then only with a quoted/numeric/symbolic value), assert_text for other
roles; navigating needs a URL or path ("the home page"/"the app" → "/").

Verbs applied to an item ("Delete 'Pay rent'", "Close the dialog"): the verb is one of
the ``verbs`` of ``steps/control_words.toml`` and the intent clicks the control that
does it: ``Target(text=<verb as written>, near=<item>)``, or ``within``/``within_role``
when the object is a container phrase ("the 'Welcome' dialog", "the first row"); the
locator expands the verb through that synonym table.  "Open <item>" clicks the item
itself unless it is a URL or path ("Open 'Settings'" clicks; "Open /login",
"Open 'data:…'" navigate).  "Erase X" stays a clear (that rule comes first).  Refused,
with a hint: no item, several items ("all completed", two quotes), a URL, and a
position of a named item ("the second 'Pay rent'": near cannot carry one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from bugbrain.steps.controls import verbs_pattern
from bugbrain.steps.phrases import (
    TEXT_WORD,
    TOK,
    TOKEN_RE,
    Ctx,
    NeedsUrlError,
    Target,
    looks_like_url,
    parse_container,
    parse_target,
    parse_text,
    parse_url,
    prepare,
    strip_filler,
)
from bugbrain.steps.words import (
    ART,
    BAD_TEXT,
    CMP,
    LISTED,
    MAY,
    NEG,
    NEG_VIS,
    NON_TARGET,
    NUM,
    NUMBER_WORDS,
    NUMBERS,
    POS_VIS,
    ROLE_WORDS,
    key_name,
)
from bugbrain.vocabulary import Action

__all__ = ["FORMS", "Intent", "Target", "UnparseableStepError", "parse"]


class UnparseableStepError(ValueError):
    """The sentence matches no known form; the message says which forms exist."""


@dataclass(frozen=True)
class Intent:
    action: str
    target: Target | None = None
    # The text to type, the option to choose, the key, the URL, the expected text,
    # the expected URL or title, or the milliseconds to wait (as a string).
    value: str | None = None
    # assert_count: how many elements must match the target.
    count: int | None = None


FORMS = (
    "go to <url>; click <element>; open <item>; delete/remove/edit/close/expand... <item> "
    "(its own control, e.g. Delete 'Pay rent', Close the dialog); type <text> into <field>; "
    "select <option> from "
    "<dropdown>; check/uncheck <box>; hover <element>; press <key>; scroll to <element>; "
    "clear <field>; wait <n> seconds; wait for <element> to appear/disappear; "
    "verify/should see <text>; verify <element> is visible/hidden; verify <field> "
    "contains <value>; verify <n> <things> are listed; verify the URL/title contains <text>"
)


def parse(sentence: str) -> Intent:
    """Turn one plain-English step into an Intent, or raise UnparseableStepError."""
    text, ctx = prepare(sentence)
    try:
        intent = _first(_RULES, text, ctx)
    except NeedsUrlError as exc:
        raise UnparseableStepError(
            f"Could not understand step '{sentence.strip()}': a URL or path is needed "
            f"(e.g. /login or https://example.com), not '{exc}'. Understood forms: {FORMS}"
        ) from None
    if intent is None:
        hint = f": {ctx.hint}" if ctx.hint else ""
        raise UnparseableStepError(
            f"Could not understand step '{sentence.strip()}'{hint}. Understood forms: {FORMS}"
        )
    return intent


# --------------------------------------------------------------------------- rule tables

Rule = Callable[[re.Match[str], Ctx], Intent | None]
Table = list[tuple[re.Pattern[str], Rule]]
_RULES: Table = []  # whole sentences, tried in order; a rule returning None declines
_ASSERTS: Table = []  # assertion bodies (after "verify"/"expect"... or on their own)


def _rule(pattern: str, table: Table = _RULES) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        table.append((re.compile(pattern, re.I), fn))
        return fn

    return register


def _on(action: str, pattern: str, table: Table = _RULES, box: bool = False) -> None:
    """The common rule: group ``t`` is the target, optional group ``v`` the value."""

    def rule(match: re.Match[str], ctx: Ctx) -> Intent | None:
        target = parse_target(match["t"], ctx)
        target = _box(target) if box else target
        value = parse_text(match["v"], ctx) if "v" in match.groupdict() else None
        return Intent(action, target, value) if target else None

    _rule(pattern, table)(rule)


def _box(target: Target | None) -> Target | None:
    """ "the newsletter box" is a checkbox when it is being (un)checked."""
    return replace(target, role="checkbox") if target and target.role == "textbox" else target


def _first(table: Table, text: str, ctx: Ctx) -> Intent | None:
    """The intent of the first rule in ``table`` that matches ``text`` and accepts it."""
    for regex, rule in table:
        if (match := regex.match(text)) and (intent := rule(match, ctx)) is not None:
            return intent
    return None


# --------------------------------------------------------------------------- action rules


@_rule(
    r"^(?P<verb>verify|assert|expect|confirm|ensure|validate|make sure|check)"
    r"(?P<that> that| if| whether|(?= (?:we|i|you|the user)\b))?\s*(?P<body>.*)$"
)
def _led(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """verify/assert/expect/... <body>; a bare "check X" is only an assertion if X is."""
    ctx.led = match["verb"].lower() != "check" or bool(match["that"])  # not vocabulary: a verb
    intent = _first(_ASSERTS, strip_filler(match["body"]), ctx)
    ctx.led = False
    return intent


@_rule(
    r"^(?:wait|pause|sleep|delay)(?: for)?(?: about)? "
    rf"(?P<n>\d+(?:\.\d+)?|half an?|an?|{NUMBER_WORDS}) ?"
    r"(?P<u>ms|msecs?|millis(?:econds?)?|milliseconds?|s|secs?|seconds?|mins?|minutes?)$"
)
def _wait_time(match: re.Match[str], ctx: Ctx) -> Intent:
    """ "Wait 2 seconds" / "half a second" / "500 ms" → milliseconds as a string."""
    amount, unit = match["n"].lower(), match["u"].lower()
    n = 0.5 if amount.startswith("half") else 1.0 if amount in ("a", "an") else None
    n = float(NUMBERS.get(amount, amount)) if n is None else n
    scale = 1 if unit.startswith(("ms", "milli")) else 60_000 if unit.startswith("min") else 1000
    return Intent(Action.WAIT, value=str(round(n * scale)))


_WAIT = r"^wait (?:for |until |till )?(?P<t>.+?) "
_on(
    Action.WAIT_HIDDEN,
    rf"{_WAIT}(?:{NEG_VIS}|(?:to |should )?(?:close|be closed)|is closed|closes)$",
)
_on(
    Action.WAIT, rf"{_WAIT}(?:{POS_VIS}|(?:to )?(?:load|be loaded|finish loading)|is loaded|loads)$"
)


@_rule(r"^wait (?:for|until|till) (?P<t>.+)$")
def _wait_for(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "Wait for the Confirm button"; "wait for the page to load" names no element."""
    if re.search(
        r"\b(?:load\w*|appear\w*|disappear\w*|visible|hidden|seconds?)\b|^\d", match["t"], re.I
    ):
        return None
    target = parse_target(match["t"], ctx)
    return Intent(Action.WAIT, target) if target else None


@_rule(
    r"^(?:press|hit|push|strike)(?: the)? (?P<k>.+?)(?: key)?(?: on (?:the )?keyboard)?"
    r"(?: (?:in|on|into|inside|within) (?P<t>.+))?$"
)
def _press(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """A key, optionally in an element; "press the Submit button" is left to click."""
    key = key_name(ctx.value(match["k"]), ctx.quoted(match["k"]) is not None)
    target = parse_target(match["t"], ctx)
    if key is None or (match["t"] and target is None):
        return None
    return Intent(Action.PRESS, target, key)


_HOME = r"(?:app|application|home ?page|home|site|website|start page|main page|landing page|root)"
_CLICKABLE = {"button", "link", "tab", "menuitem", "option", "listitem", "img", "switch"}
_PAGE = re.compile(r"\b(?:page|screen|url|path|route|site|website)$", re.I)


@_rule(
    r"^(?P<verb>go to|goto|go|navigate to|navigate|visit|load|browse to|open(?: up)?)"
    r" (?P<rest>.+)$"
)
def _navigate(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """A URL or path; "the app"/"home page" is "/"; "open the Account menu" is a click,
    and so is "open <item>" ("Open the Blue Mug", "Open 'Settings'"): the item itself."""
    rest = match["rest"]
    if re.fullmatch(rf"(?:{ART} )?{_HOME}(?: page)?", rest, re.I):
        return Intent(Action.NAVIGATE, value="/")
    if BAD_TEXT.match(rest):
        return None
    opens = match["verb"].lower().startswith("open")
    inner = ctx.quoted(rest)
    if opens and inner is not None and inner.strip() and not looks_like_url(inner):
        return Intent(Action.CLICK, Target(inner, quoted=True))  # "Open 'Settings'"
    try:
        return Intent(Action.NAVIGATE, value=parse_url(rest, ctx))
    except NeedsUrlError:
        target = parse_target(rest, ctx)
        if target and (target.role in _CLICKABLE or re.search(r"\bmenu$", rest, re.I)):
            return Intent(Action.CLICK, target)
        if not opens or target is None or _PAGE.search(rest):
            raise  # "Open the login page": a page is opened by its URL
        if target.role == "dialog":  # not there yet: something else opens it
            name = "Edit" if names_only_a_kind(target) else target.text
            ctx.hint = f"a dialog opens from what opens it, e.g. Click the {name} button"
            return None
        return Intent(Action.CLICK, target)  # "Open the Blue Mug"


_on(
    Action.FILL,
    r"^(?:fill(?: in| out)?|populate|enter|type|input) (?P<t>.+?) (?:with|as) (?P<v>.+)$",
)
_on(
    Action.FILL,
    r"^(?:type|enter|input|put|write|key in|paste|fill(?: in)?|insert) (?P<v>.+?)"
    r" (?:into|in|inside|within|in to|for) (?P<t>.+)$",
)


@_rule(r"^(?:set|change|update|make) (?P<t>.+?) (?:to|=|as) (?P<v>.+)$")
def _set(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "Set X to V": fill a field, select in a dropdown, (un)check a box with on/off."""
    target, value = parse_target(match["t"], ctx), ctx.value(match["v"])
    if target is None or target.role not in (None, "textbox", "combobox", "checkbox", "switch"):
        return None
    if target.role == "combobox":
        return Intent(Action.SELECT, target, value)
    if target.role in ("checkbox", "switch"):
        if re.fullmatch(r"on|checked|true|yes|ticked|enabled|selected", value, re.I):
            return Intent(Action.CHECK, target)
        if re.fullmatch(r"off|unchecked|false|no|unticked|disabled", value, re.I):
            return Intent(Action.UNCHECK, target)
        return None
    return Intent(Action.FILL, target, value)


@_rule(
    r"^(?:select|choose|pick)(?: the)?(?: option| value)? (?P<v>.+?)"
    r" (?:from|in|on|within|under|for|as) (?P<t>.+)$"
)
def _select(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """Select an option; a role word on it ("the Express radio") makes it something else."""
    option, target = parse_target(match["v"], ctx), parse_target(match["t"], ctx)
    if option is None or target is None or option.role not in (None, "option"):
        return None
    if re.search(r"\bmenu$", match["t"], re.I):
        return Intent(Action.CLICK, replace(option, within=target.text, within_role="menu"))
    if target.role not in (None, "combobox") or (target.role is None and target.within):
        return None
    return Intent(Action.SELECT, target, option.text)


@_rule(r"^(?:clear|empty|erase|wipe)(?: out)? (?P<t>.+)$")
def _clear(match: re.Match[str], ctx: Ctx) -> Intent | None:
    target = parse_target(match["t"], ctx)
    if target is None:
        return None
    return Intent(Action.UNCHECK if target.role == "checkbox" else Action.CLEAR, target)


@_rule(r"^(?:toggle|turn|switch|flip|set) (?:(?P<s1>on|off) )?(?P<t>.+?)(?: (?P<s2>on|off))?$")
def _toggle(match: re.Match[str], ctx: Ctx) -> Intent | None:
    state, target = (match["s1"] or match["s2"] or "").lower(), _box(parse_target(match["t"], ctx))
    if not state or target is None:
        return None
    return Intent(Action.CHECK if state == "on" else Action.UNCHECK, target)


_CHECKABLE = (None, "checkbox", "radio", "switch", "option", "listitem")


@_rule(r"^(?P<verb>check|tick|mark|enable|select|choose|pick) (?P<t>.+?)(?: as (?:checked|done))?$")
def _check(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """Check a box; select/choose/pick only with a radio/checkbox/switch word."""
    target = _box(parse_target(match["t"], ctx))
    roles = (
        _CHECKABLE[1:4] if match["verb"].lower() in ("select", "choose", "pick") else _CHECKABLE
    )  # not vocabulary: verbs
    return Intent(Action.CHECK, target) if target and target.role in roles else None


_on(
    Action.UNCHECK,
    r"^(?:un-?check|un-?tick|unmark|disable|de-?select|unselect) (?P<t>.+)$",
    box=True,
)
_on(
    Action.HOVER,
    r"^(?:hover(?: over| on)?|mouse ?over|move (?:the )?(?:mouse|cursor|pointer) (?:to|over|onto)"
    r"|point (?:at|to)) (?P<t>.+)$",
)
_on(
    Action.SCROLL,
    r"^scroll(?: (?:down|up|back))?(?: (?:to|until|towards?))?(?: into view)? (?P<t>.+?)"
    r"(?: (?:into|in) view| (?:is|becomes) visible)?$",
)


@_rule(
    r"^(?P<verb>(?:left[- ]|single[- ])?click(?: on| at)?|tap(?: on)?|press(?: on)?|hit|push"
    r"|select|choose|pick|activate|follow|switch to|toggle) (?P<t>.+)$"
)
def _click(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """Click anything; select/choose/pick/switch to only with a role word (else ambiguous)."""
    target = parse_target(match["t"], ctx)
    loose = re.match(r"select|choose|pick|switch", match["verb"], re.I)
    if target is None or (loose and target.role is None):
        return None
    return Intent(Action.CLICK, target)


@_rule(r"^(?:type|enter|input|write|key in) (?P<v>.+)$")
def _type(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """Type into whatever has focus; "type into the email field" lacks a value."""
    value = match["v"]
    if ctx.quoted(value) is None and (
        re.match(rf"(?:into|in|on|to|{ART})\b", value, re.I)
        or re.search(rf"\b(?:into|in|on|to)$|{TOK}", value, re.I)
    ):
        return None
    return Intent(Action.FILL, None, ctx.value(value))


# "Delete 'Pay rent'": a verb of the control table (steps/control_words.toml) applied
# to an item means the control in the item's row or card that does it, or for a
# container phrase ("Close the dialog") the control inside it. Here, after every rule
# with a leading verb of its own (so "Erase the Notes field" stays a clear), and before
# the assertions without a lead, which would read "Delete the row that says 'x'" as
# one; a subject that merely starts with such a word ("Delete button should appear")
# is left to them.
_ITEM_FROM = re.compile(rf" (?:from(?= |$)|(?:in|on|inside|within|under)(?= {ART} | {TOK}))", re.I)
_BULK = re.compile(rf"(?:all|every|everything|each|both|any)\b|{NUM} \S", re.I)


@_rule(rf"^(?P<verb>{verbs_pattern()})(?: (?P<rest>.+))?$")
def _on_item(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "Delete 'Pay rent'" → the Delete control near Pay rent; "Remove X from the cart"
    also within the cart; "Close the 'Welcome' dialog" → the Close control within it."""
    verb, rest = match["verb"], match["rest"] or ""
    if not re.match(rf"{ART} ", rest, re.I) and _reads_as_check(match.string, ctx):
        return None
    head, where = rest, None
    if split := _ITEM_FROM.search(rest):
        head, where = rest[: split.start()], rest[split.end() :].strip()
    if where == "" or BAD_TEXT.match(head):  # "Remove from the cart", "Delete it"
        ctx.hint = _say_which(verb)
        return None
    if BAD_TEXT.search(head):  # "Delete 'Pay rent' twice": not one plain step
        return None
    ctx.hint = _item_problem(verb, head, ctx)
    item = None if ctx.hint else parse_target(head, ctx)
    if item is not None and item.near:  # "Delete the row next to 'Pay rent'"
        ctx.hint = f"name the item itself: {verb} '{item.near}' or {verb} the '{item.near}' row"
    if item is None or item.near or item.within or item.within_role:
        ctx.hint = ctx.hint or _say_which(verb)
        return None
    within, kind = parse_container(where, ctx) if where else (None, None)
    box, box_kind = parse_container(head, ctx)
    if box_kind is not None:  # "the dialog", "the 'Pay rent' row", "the first item"
        if where is not None:
            ctx.hint = f"name one container, e.g. {verb} the first row"
        elif item.ordinal is not None and box != str(item.ordinal):
            ctx.hint = _by_position(verb, ctx.unmask(head))
        else:
            return Intent(Action.CLICK, Target(verb, within=box, within_role=box_kind))
        return None
    if item.ordinal is not None:  # "Delete the second 'Pay rent'": near has no position
        ctx.hint = _by_position(verb, ctx.unmask(head))
        return None
    if item.role is not None:  # "Copy the link", "Edit the Save button"
        ctx.hint = f"'{ctx.unmask(head)}' names a {item.role}, not an item: {_say_which(verb)}"
        return None
    return Intent(Action.CLICK, Target(verb, near=item.text, within=within, within_role=kind))


def _reads_as_check(sentence: str, ctx: Ctx) -> bool:
    """ "Delete button should appear": an assertion about an element, not a verb."""
    try:
        return _first(_ASSERTS, sentence, ctx) is not None
    except NeedsUrlError:
        return True


def _item_problem(verb: str, head: str, ctx: Ctx) -> str | None:
    """Why ``head`` cannot be the one item a leading verb acts on, or None."""
    masked = re.sub(rf"^{ART}\b\s*", "", head, flags=re.I)
    words, quotes = ctx.unmask(masked), [ctx.quotes[int(i)] for i in TOKEN_RE.findall(head)]
    if not words:
        return _say_which(verb)
    if _BULK.match(masked):
        return (
            f"'{verb} {words}' acts on several items at once; use the app's own button "
            "for it, e.g. Click 'Clear completed'"
        )
    if len(quotes) > 1:
        return f"one item per step: {verb} '{quotes[0]}', then {verb} '{quotes[1]}'"
    if quotes:
        return None
    if NON_TARGET.fullmatch(words):  # "Reload the page", "Close the window"
        return f"'{verb} {head}' does not name an item on the page"
    if looks_like_url(words) and not re.fullmatch(r"\{\{[^{}]*\}\}", words):
        return f"'{words}' is a URL or path, not an item on the page (quote an item's words)"
    return None


def _say_which(verb: str) -> str:
    return (
        f"say what to {verb.lower()}: {verb} 'Pay rent' (its control next to Pay rent) "
        f"or {verb} the 'Welcome' dialog (the control inside it)"
    )


def _by_position(verb: str, phrase: str) -> str:
    return f"only a row, item or card can be named by position ('{phrase}'): {verb} the second row"


@_rule(r"^(?P<body>.+)$")
def _unled(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """Assertions without a leading verb: "The Save button should be visible"."""
    return _first(_ASSERTS, match["body"], ctx)


# --------------------------------------------------------------------------- assertion bodies


@_rule(rf"^(?:the )?(?:page |browser |tab |window |document )?title (?:{CMP}) (?P<v>.+)$", _ASSERTS)
@_rule(rf"^(?:the )?page {MAY}(?:has|have) (?:the |a )?title(?: of)? (?P<v>.+)$", _ASSERTS)
def _title(match: re.Match[str], ctx: Ctx) -> Intent:
    return Intent(Action.ASSERT_TITLE, value=parse_text(match["v"], ctx))


@_rule(
    rf"^(?:the )?(?:current |page )?(?:url|address|location|path) (?:{CMP}) (?P<v>.+)$", _ASSERTS
)
def _url_is(match: re.Match[str], ctx: Ctx) -> Intent:
    return Intent(Action.ASSERT_URL, value=parse_url(match["v"], ctx, loose=True))


@_rule(
    r"^(?:(?:am|are|is|be|to be|should be|must be|will be|get|gets|got|to get|should get) )?"
    r"(?:on|at|redirected to|taken to|sent to|navigated to|brought to|routed to) (?P<v>.+)$",
    _ASSERTS,
)
def _url_on(match: re.Match[str], ctx: Ctx) -> Intent:
    return Intent(Action.ASSERT_URL, value=parse_url(match["v"], ctx))


def _seen(phrase: str, ctx: Ctx, negative: bool) -> Intent | None:
    """'X' [in the cart] → (not) text; "the Save button" (role word) → visible/hidden."""
    phrase = TEXT_WORD.sub("", phrase)
    text_action = Action.ASSERT_NOT_TEXT if negative else Action.ASSERT_TEXT
    where = r"(?: (?:is |are |should be )?(?:in|on|inside|within|under) (?P<w>.+))?"
    if match := re.fullmatch(rf"(?P<q>{TOK}){where}", phrase, re.I):
        return Intent(text_action, parse_target(match["w"], ctx), ctx.value(match["q"]))
    target = parse_target(phrase, ctx)
    if target and target.role:
        return Intent(Action.ASSERT_HIDDEN if negative else Action.ASSERT_VISIBLE, target)
    if TOKEN_RE.search(phrase) or BAD_TEXT.search(phrase):
        return None  # "'Blue Mug' not to be in the cart": more than a text
    return Intent(text_action, value=parse_text(phrase, ctx))


@_rule(rf"^{NEG} see (?P<v>.+)$", _ASSERTS)
@_rule(
    rf"^(?:the )?(?:page|screen) {NEG} (?:show|contain|display|include|have|say)s? (?P<v>.+)$",
    _ASSERTS,
)
def _not_seen(match: re.Match[str], ctx: Ctx) -> Intent | None:
    return _seen(match["v"], ctx, negative=True)


@_rule(
    r"^(?P<there>there (?:is|are|should be|must be|will be) )?no (?P<v>.+?)"
    r"(?: (?:is|are) (?:shown|visible|displayed|present))?$",
    _ASSERTS,
)
def _no(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "no error message" → assert_hidden; "no 'Error'" → assert_not_text."""
    if not (ctx.led or match["there"]):
        return None
    if (inner := ctx.quoted(match["v"])) is not None:
        return Intent(Action.ASSERT_NOT_TEXT, value=inner)
    target = parse_target(match["v"], ctx)
    return Intent(Action.ASSERT_HIDDEN, target) if target else None


@_rule(r"^(?:(?:can|should|must|will|to|do|does) )?see (?P<v>.+)$", _ASSERTS)
@_rule(
    r"^(?:the )?(?:page|screen) (?:(?:should|must|will|to|does) )?"
    r"(?:show|contain|display|include|say|read|have|has)s? (?P<v>.+)$",
    _ASSERTS,
)
def _see(match: re.Match[str], ctx: Ctx) -> Intent | None:
    return _seen(match["v"], ctx, negative=False)


def _count(n: str, thing: str, ctx: Ctx) -> Intent | None:
    target = parse_target(thing, ctx)
    count = int(NUMBERS.get(n.lower(), n))
    return Intent(Action.ASSERT_COUNT, target, count=count) if target else None


@_rule(
    rf"^there (?:is|are|should be|must be|will be)(?: exactly)? (?P<n>{NUM}) (?P<t>.+?)"
    rf"(?:{LISTED})?$",
    _ASSERTS,
)
def _there_are(match: re.Match[str], ctx: Ctx) -> Intent | None:
    return _count(match["n"], match["t"], ctx)


@_rule(
    rf"^(?P<w>.+?) {MAY}(?:has|have|contains?|shows?|lists?|displays?|includes?)(?: exactly)?"
    rf" (?P<n>{NUM}) (?P<t>.+)$",
    _ASSERTS,
)
def _has_n(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "the cart has 1 item" → one item within the cart."""
    intent = _count(match["n"], match["t"], ctx)
    if intent is None or intent.target is None or intent.target.within is not None:
        return intent
    within, role = parse_container(match["w"], ctx)
    return replace(intent, target=replace(intent.target, within=within, within_role=role))


@_rule(
    rf"^(?:exactly )?(?P<n>{NUM}) (?P<t>.+?)(?P<s>{LISTED})?"
    r"(?P<w> (?:in|on|inside|within|under) .+)?$",
    _ASSERTS,
)
def _n_things(match: re.Match[str], ctx: Ctx) -> Intent | None:
    if not (ctx.led or match["s"]):
        return None
    return _count(match["n"], match["t"] + (match["w"] or ""), ctx)


_on(Action.ASSERT_HIDDEN, rf"^(?P<t>.+?) {NEG_VIS}$", _ASSERTS)
_on(Action.ASSERT_VISIBLE, rf"^(?P<t>.+?) {POS_VIS}(?: on (?:the )?(?:page|screen))?$", _ASSERTS)
_on(
    Action.ASSERT_VALUE,
    rf"^(?P<t>.+?) {MAY}(?:has|have)(?: the| a)? value(?: of)? (?P<v>.+)$",
    _ASSERTS,
)
_on(Action.ASSERT_VALUE, rf"^(?:the )?value of (?P<t>.+?) (?:{CMP}) (?P<v>.+)$", _ASSERTS)
_on(Action.ASSERT_VALUE, rf"^(?P<t>.+?)(?:'s)? value (?:{CMP}) (?P<v>.+)$", _ASSERTS)
_on(
    Action.ASSERT_TEXT,
    rf"^(?P<t>.+?) {MAY}(?:says?|reads?|shows?|displays?|(?:has|have)(?: the)? text"
    r"|text (?:is|should be|to be)) (?P<v>.+)$",
    _ASSERTS,
)


def _value(target: Target | None, raw: str, ctx: Ctx) -> Intent | None:
    """A field's value (no role word, or a field word), else the element's own text."""
    if target is None or re.fullmatch(
        r"(?:enabled|disabled|(?:un)?checked|selected|focused|active|editable|clickable)", raw, re.I
    ):
        return None
    if target.role in (None, "textbox", "combobox"):
        blank = re.fullmatch(r"empty|blank", raw, re.I)
        return Intent(Action.ASSERT_VALUE, target, "" if blank else parse_text(raw, ctx))
    return Intent(Action.ASSERT_TEXT, target, parse_text(raw, ctx))


@_rule(rf"^(?P<t>.+?) {MAY}(?:contains?|includes?) (?P<v>.+)$", _ASSERTS)
def _contains(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "the Email field contains x" checks a value; "the cart contains 'x'" its text."""
    target = parse_target(match["t"], ctx)
    if target is not None and target.role is None:
        return Intent(Action.ASSERT_TEXT, target, parse_text(match["v"], ctx))
    return _value(target, match["v"], ctx)


@_rule(
    r"^(?P<w>.+?) (?P<verb>is|are|should be|must be|will be|to be|remains?|stays?|should stay)"
    r" empty$",
    _ASSERTS,
)
def _empty(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "the todo list is empty": none of that list's items (a table's rows); an empty
    field is ``_is``'s (assert_value ""). Like ``_is``, a bare "is" needs a lead."""
    if not (ctx.led or match["verb"].lower() not in ("is", "are")):  # not vocabulary: verbs
        return None
    within, role = parse_container(match["w"], ctx)
    kinds = {"list": ("items", "listitem"), "table": ("rows", "row")}  # not vocabulary: roles
    if role not in kinds or not within:
        return None
    text, item_role = kinds[role]
    target = Target(text, role=item_role, within=within, within_role=role)
    return Intent(Action.ASSERT_COUNT, target, count=0)


@_rule(
    r"^(?P<t>.+?) (?P<verb>(?:should|must|will|to) (?:be equal to|equal|be)|is equal to|equals"
    r"|is|are) (?P<v>.+)$",
    _ASSERTS,
)
def _is(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "the Quantity is 2": needs a lead or should/must; a bare noun needs a value-ish value
    (quoted, a digit or symbol), since "the order should be placed" is prose, not a check."""
    if not (ctx.led or re.match(r"should|must|will", match["verb"], re.I)):
        return None
    target, raw = parse_target(match["t"], ctx), match["v"]
    if target and target.role is None and not re.search(rf"{TOK}|[\d$€£@%{{]", raw):
        return None
    return _value(target, raw, ctx)


@_rule(r"^(?P<v>.+)$", _ASSERTS)
def _lone(match: re.Match[str], ctx: Ctx) -> Intent | None:
    """ "Expect 'Welcome'" / "Assert text Total" / "Verify the Save button": needs a lead."""
    body = match["v"]
    if not ctx.led:
        return None
    if re.match(rf"(?:(?:the )?(?:text|message) |{TOK})", body, re.I):
        return _seen(body, ctx, negative=False)
    target = parse_target(body, ctx)
    return Intent(Action.ASSERT_VISIBLE, target) if target and target.role else None


def names_only_a_kind(target: Target) -> bool:
    """True for targets like "the heading" or "the checkbox": the sentence said
    what kind of element, but no words that appear on it."""
    if target.role is None or target.quoted:
        return False
    return any(
        role == target.role and re.fullmatch(pattern, target.text, re.IGNORECASE)
        for pattern, role in ROLE_WORDS
    )
