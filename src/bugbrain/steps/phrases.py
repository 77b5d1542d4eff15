"""Element phrases → :class:`Target`, for :mod:`bugbrain.steps.parse`.

Also the sentence preparation every rule relies on: quotes are masked as tokens
(so their words never steer the grammar) and leading filler is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bugbrain.steps.words import (
    ART,
    BAD_TEXT,
    FILLER_RE,
    KINDS,
    NON_TARGET,
    ORD,
    ORDINALS,
    ROLE_WORDS,
    WordTable,
)


@dataclass(frozen=True)
class Target:
    # The words that name the element as a person sees it: "Sign in", "Email",
    # "Add to cart", "Remember me". Never empty.  When the sentence names only the
    # kind of element ("the checkbox next to Buy milk", "3 items", "the heading"),
    # text is that kind word as written ("checkbox", "items", "heading").
    text: str
    # Normalised role hint from the sentence, or None: "button", "link", "textbox"
    # (field, input, box, text area), "checkbox", "radio", "combobox" (dropdown,
    # select, list box), "heading", "img" (image, icon, logo), "row", "cell",
    # "listitem" (item, entry), "tab", "menuitem", "option", "switch", "dialog",
    # "region" (section, panel, card, form), "table" (table, grid).
    role: str | None = None
    # 1-based position among equally good matches ("second" → 2); -1 = "last".
    ordinal: int | None = None
    # "the checkbox next to Buy milk" → near="Buy milk" (also: beside, near, and
    # "for"/"by" after a role word: "the Edit button for Blue Mug").
    near: str | None = None
    # "in the Billing section", "on the Blue Mug card" → within="Billing" / "Blue Mug";
    # the container's own kind goes to within_role: "region", "row", "table", "list",
    # "listitem", "cell", "dialog", "menu", "tabpanel", "banner" (header),
    # "contentinfo" (footer), "complementary" (sidebar), "navigation", "toolbar".
    # A container named only by position ("in the first row", "in the last card") has
    # within = that position as a string ("1", "-1"); "in the dialog" → within=None,
    # within_role="dialog".
    within: str | None = None
    within_role: str | None = None
    # The words were quoted in the sentence: prefer an exact match of them.
    quoted: bool = False


# --------------------------------------------------------------------------- preparation

_QUOTE_RE = re.compile(
    r"\"([^\"]*)\"|\u201c([^\u201d]*)\u201d|\u2018(.*?)\u2019(?!\w)|(?<!\w)'(.*?)'(?!\w)|`([^`]*)`"
)
TOKEN_RE = re.compile("\ue000(\\d+)\ue001")
TOK = "\ue000\\d+\ue001"  # a masked quote, inside a larger pattern


class NeedsUrlError(Exception):
    """A navigate / URL-assertion form without anything that looks like a URL."""


@dataclass
class Ctx:
    """The masked-out quotes of a sentence, whether an assertion verb led it, and
    what a rule that declined it would tell the writer (used only if no rule accepts)."""

    quotes: list[str] = field(default_factory=list)
    led: bool = False
    hint: str | None = None

    def unmask(self, text: str) -> str:
        return TOKEN_RE.sub(lambda m: self.quotes[int(m.group(1))], text).strip()

    def quoted(self, text: str) -> str | None:
        """The quote's content when ``text`` is exactly one masked quote."""
        match = TOKEN_RE.fullmatch(text.strip())
        return self.quotes[int(match.group(1))] if match else None

    def value(self, text: str) -> str:
        """A value as written: a quote's content, or the words (quotes unwrapped)."""
        inner = self.quoted(text)
        return inner if inner is not None else self.unmask(text)


def prepare(sentence: str) -> tuple[str, Ctx]:
    """Mask quotes, squeeze whitespace, drop trailing punctuation and leading filler."""
    ctx = Ctx()

    def mask(match: re.Match[str]) -> str:
        ctx.quotes.append(next(g for g in match.groups() if g is not None))
        return f"\ue000{len(ctx.quotes) - 1}\ue001"

    text = " ".join(_QUOTE_RE.sub(mask, sentence).split()).rstrip(".!; ")
    return strip_filler(text), ctx


def strip_filler(text: str) -> str:
    """Drop "Then", "And", "I", "the user"...; "the user clicks" → "click"."""
    third = False
    while match := FILLER_RE.match(text):
        third = third or bool(match.group("third"))
        text = text[match.end() :]
    word, _, rest = text.partition(" ")
    if third and len(word) > 3 and word.lower().endswith("s"):
        cut = 2 if re.search(r"(?:ss|sh|ch|x|o)es$", word, re.I) else 1
        text = f"{word[:-cut]} {rest}".strip()
    return text


# --------------------------------------------------------------------------- phrase grammar


def _alt(words: WordTable) -> str:
    return "(?:" + "|".join(f"(?P<g{i}>{p})" for i, (p, _) in enumerate(words)) + ")"


def _which(match: re.Match[str], words: WordTable) -> str | None:
    """The normalised role of whichever ``g<i>`` alternative matched."""
    i = next(int(k[1:]) for k, v in match.groupdict().items() if re.fullmatch(r"g\d+", k) and v)
    return words[i][1]


_ROLE_END = re.compile(rf"^(?:(?P<rest>.+?) )?(?P<word>{_alt(ROLE_WORDS)})$", re.I)
_ROLE_START = re.compile(rf"^(?P<word>{_alt(ROLE_WORDS)}) (?P<rest>.+)$", re.I)
_KIND_END = re.compile(rf"^(?:(?P<rest>.+?) )?{_alt(KINDS)}$", re.I)
_KIND_START = re.compile(
    rf"^{_alt(KINDS)} (?:for|with|containing|that contains|labell?ed|named|called) (?P<rest>.+)$",
    re.I,
)
_ARTICLE = re.compile(rf"^{ART}\s+", re.I)
_ORDINAL = re.compile(rf"^(?P<o>{ORD})\s+(?P<rest>.+)$", re.I)
_WITHIN_SEP = re.compile(rf" (?:in|on|inside|within|under|from) (?={ART} )", re.I)
_NEAR_SEP = re.compile(r" (?:(?P<loose>for|by)|next to|beside|near|alongside|close to) ", re.I)
_LABELLED = re.compile(
    r"^(?P<head>.+?) (?:labell?ed|named|called|titled|captioned|saying|that says"
    r"|with (?:the )?(?:text|label|name|caption)) (?P<name>.+)$",
    re.I,
)
_LEADING = {"checkbox", "radio"}  # "the checkbox Remember me"; not "the Card number"
TEXT_WORD = re.compile(r"^(?:the )?(?:text|message|words?|string)\s+(?=\S)", re.I)
_URLISH = re.compile(
    r"(?:https?://|www\.|/|\{\{|about:|file:|[?#])\S*"
    r"|(?:localhost|[\w-]+(?:\.[\w-]+)+)(?::\d+)?(?:[/?#]\S*)?",
    re.I,
)


_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:\S", re.I)


def looks_like_url(text: str) -> bool:
    """A URL, path or host as written: "/login", "example.com", "data:text/html,x"."""
    text = text.strip()
    return bool(_URLISH.fullmatch(text) or _SCHEME.match(text))


def _ordinal(word: str) -> int:
    low = word.lower()
    return -1 if low == "last" else ORDINALS.get(low) or int(re.sub(r"\D", "", low))


def _strip_article(text: str) -> str:
    return _ARTICLE.sub("", text.strip(" ,"), count=1)


# --------------------------------------------------------------------------- parsers


def parse_container(phrase: str, ctx: Ctx) -> tuple[str | None, str | None]:
    """ "the Blue Mug card" → ("Blue Mug", "region"); "the first row" → ("1", "row")."""
    text = _strip_article(phrase)
    if match := _KIND_START.match(text):
        return ctx.value(_strip_article(match["rest"])), _which(match, KINDS)
    match = _ORDINAL.match(text)
    if match and (kind := _KIND_END.match(match["rest"])) and not kind["rest"]:
        return str(_ordinal(match["o"])), _which(kind, KINDS)  # "the last row" → "-1"
    if match := _KIND_END.match(text):
        return (ctx.value(match["rest"]) if match["rest"] else None), _which(match, KINDS)
    return (None, None) if NON_TARGET.fullmatch(text) else (ctx.value(text), None)


# The clauses are peeled off in one order (see below): split up, the order is lost.
def parse_target(phrase: str | None, ctx: Ctx) -> Target | None:  # noqa: C901
    """Parse "the second 'Add to cart' button on the Blue Mug card" into a Target.

    Order: container clause (from the first " in/on <article> "), a "next to X" clause,
    "labelled X", then article, ordinal and role word.  Returns None when nothing
    usable is left, so the calling rule declines.
    """
    if phrase is None:
        return None
    text, within, within_role, near, name = phrase.strip(" ,"), None, None, None, None
    if match := _WITHIN_SEP.search(text):
        within, within_role = parse_container(text[match.end() :], ctx)
        text = text[: match.start()]
    for match in _NEAR_SEP.finditer(text):
        head = _strip_article(text[: match.start()])
        if not match["loose"] or _ROLE_END.match(head) or ctx.quoted(head) is not None:
            near, text = _strip_article(text[match.end() :]), text[: match.start()]
            if ctx.quoted(near) is None and BAD_TEXT.search(near):
                return None
            break
    if match := _LABELLED.match(text):
        text, name = match["head"], _strip_article(match["name"])
    text, ordinal, role = _strip_article(text), None, None
    match = _ORDINAL.match(text)  # needs a role word or quotes, and "first name" is a label
    if (
        match
        and not re.match(r"names?\b", match["rest"], re.I)
        and (_ROLE_END.match(match["rest"]) or ctx.quoted(match["rest"]) is not None)
    ):
        ordinal, text = _ordinal(match["o"]), match["rest"]
    if match := _ROLE_END.match(text):
        role, text = _which(match, ROLE_WORDS), match["rest"] or match["word"]
    elif (match := _ROLE_START.match(text)) and (
        ctx.quoted(match["rest"]) is not None
        or (phrase.lower().startswith("the ") and _which(match, ROLE_WORDS) in _LEADING)
    ):
        role, text = _which(match, ROLE_WORDS), match["rest"]
    text = name or text
    tokens = TOKEN_RE.findall(text)
    if len(tokens) > 1:
        return None
    if tokens:  # quoted words win: "the 'Saved' toast" → "Saved"
        text = f"\ue000{tokens[0]}\ue001"
    quoted = ctx.quoted(text) is not None
    if not quoted and (BAD_TEXT.search(text) or NON_TARGET.fullmatch(text)):
        return None
    value, near = ctx.value(text), ctx.value(near) if near else None
    return Target(value, role, ordinal, near, within, within_role, quoted) if value else None


def parse_text(phrase: str, ctx: Ctx) -> str:
    """A typed or expected text: "the text 'Welcome'" / "Done on the page" → words."""
    phrase = TEXT_WORD.sub("", phrase)
    phrase = re.sub(r"\s+(?:on|in) (?:the )?(?:page|screen)$", "", phrase, flags=re.I)
    return ctx.value(phrase)


def parse_url(phrase: str, ctx: Ctx, loose: bool = False) -> str:
    """A URL or path as written; ``loose`` (URL-contains checks) also takes one word."""
    inner = ctx.quoted(phrase)
    if inner is not None:
        return inner
    text = re.sub(r" (?:page|url|path|route|screen)$", "", _strip_article(phrase), flags=re.I)
    if _URLISH.fullmatch(text) or (loose and re.fullmatch(r"[\w\-./?=&#%:{}]+", text)):
        return text
    raise NeedsUrlError(ctx.unmask(phrase))
