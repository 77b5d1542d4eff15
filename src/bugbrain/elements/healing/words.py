"""What a step without history says about its element (pure): the :class:`Words` of
its selector and description, and the page snapshot options of a query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from bugbrain.elements.healing.records import Fingerprint
from bugbrain.elements.healing.text import (
    KIND_WORDS,
    NOISE_WORDS,
    TAG_KINDS,
    cached_compact,
    ident_words,
    synonym_phrases,
    words,
)
from bugbrain.elements.text_match import STOPWORDS, identifier_words, loose, stem
from bugbrain.steps.parse import UnparseableStepError
from bugbrain.steps.parse import parse as parse_step

# Verbs and filler of a step description that never name the element.
_STEP_WORDS: Final = frozenset(
    {"click", "clicks", "tap", "press", "hit", "select", "choose", "pick", "fill", "type",
     "enter", "check", "uncheck", "hover", "scroll", "clear", "wait", "verify", "assert",
     "expect", "see", "should", "then", "user", "i", "it", "is", "be", "into", "in", "at",
     "over", "visible", "shown", "displayed", "appear", "appears", "field", "button", "link",
     "go", "open", "visit", "navigate", "now", "again", "please"}
)  # fmt: skip  # not vocabulary: words


@dataclass(frozen=True)
class Words:
    """What a step without history says about its element."""

    words: frozenset[str]  # word stems from the selector and the description
    kind: str | None = None  # role the words name ("btn" → "button")
    within: str = ""  # "on the Blue Mug card" → "Blue Mug"
    # Whole phrases ("add to cart") for a match that ignores spaces ("Log in" ~ login),
    # and the same with a common synonym ("login" → "sign in"; heal_text.SYNONYMS).
    phrases: tuple[str, ...] = ()


_QUOTED_RE: Final = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')
_ENGINE_RE: Final = re.compile(r"^\s*(?:internal:)?([a-z-]+)\s*=(.*)$", re.DOTALL)
_ID_RE: Final = re.compile(r"#((?:[\w-]|\\.)+)")
_CLASS_RE: Final = re.compile(r"\.((?:[\w-]|\\.)+)")
_ATTR_RE: Final = re.compile(
    r"""\[\s*@?([\w:-]+)\s*(?:[~|^$*]?=\s*("(?:[^"\\]|\\.)*"[si]?|'(?:[^'\\]|\\.)*'[si]?|[^\]\s]*))?"""
    r"\s*[si]?\s*\]"
)
_PSEUDO_RE: Final = re.compile(r"::?[\w-]+(?:\([^)]*\))?")
_TAG_RE: Final = re.compile(r"(?:^|[\s>+~,(/])([a-zA-Z][a-zA-Z0-9]*)(?=$|[\s>+~,.#\[:)/])")
_VARIABLE_RE: Final = re.compile(r"\{\{[^}]*\}\}|\$\{[^}]*\}")
_WORD_ATTRS: Final = frozenset(
    {"name", "placeholder", "title", "alt", "aria-label", "value", "href", "for", "id", "class",
     "data-testid", "data-test", "data-qa", "data-cy", "data-test-id", "label"}
)  # fmt: skip


def _split_ident(ident: str) -> tuple[list[str], str | None, str]:
    """(word stems, kind, phrase) of one identifier:
    ``add-to-cart-btn`` → ([add, cart], button, "add to cart")."""
    out: list[str] = []
    phrase: list[str] = []
    kind: str | None = None
    for w in identifier_words(ident.replace("\\", "")).split():
        if w in KIND_WORDS:
            kind = kind or KIND_WORDS[w]
        elif w not in NOISE_WORDS and not w.isdigit() and len(w) > 1:
            phrase.append(w)
            if w not in STOPWORDS:
                out.append(stem(w))
    return out, kind, " ".join(phrase) if out else ""


def _unquote(raw: str) -> str:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    elif len(raw) >= 3 and raw[-1] in "is" and raw[0] in "\"'" and raw[-2] == raw[0]:
        raw = raw[1:-2]  # Playwright's "text"i / "text"s
    return raw.replace('\\"', '"').replace("\\'", "'")


# Engines whose value is text a person sees; engines that say nothing about the element.
_TEXT_ENGINES: Final = frozenset(
    {"text", "label", "placeholder", "alt", "title", "has-text", "internal:text",
     "internal:label", "internal:has-text", "get-by-text"}
)  # fmt: skip
_SKIP_ENGINES: Final = frozenset(
    {"nth", "visible", "internal:control", "has", "has-not", "internal:has", "control"}
)


# One pass over the selector's parts (ids, classes, attributes, texts, roles).
def selector_words(selector: str | None) -> tuple[list[str], str | None, list[str]]:  # noqa: C901
    """(word stems, kind, phrases) a selector's own identifiers and texts give.

    ``.add-to-cart-btn`` → ([add, cart], button); ``#login-btn`` → ([login], button);
    ``[data-testid=checkout-button]`` → ([checkout], button);
    ``internal:role=button[name="Add to cart"i]`` → ([add, cart], button). Words that
    name a kind of element (btn, button, link, input...) give the kind, not words."""
    if not selector or not selector.strip():
        return [], None, []
    found: list[str] = []
    phrases: list[str] = []
    kind: str | None = None

    def take(ident: str) -> None:
        nonlocal kind
        got, k, phrase = _split_ident(ident)
        found.extend(got)
        if phrase:
            phrases.append(phrase)
        kind = kind or k

    def take_text(text: str) -> None:
        words_ = [stem(w) for w in loose(text).split() if w not in STOPWORDS]
        found.extend(words_)
        if words_:
            phrases.append(loose(text))

    for part in selector.split(">>"):
        part = part.strip()
        rest = part
        role_engine = False
        engine = _ENGINE_RE.match(part)
        if engine:
            name = engine.group(1)
            full_name = part.split("=", 1)[0].strip()
            if name in _TEXT_ENGINES or full_name in _TEXT_ENGINES:
                take_text(_unquote(engine.group(2)))
                continue
            if name in _SKIP_ENGINES or full_name in _SKIP_ENGINES:
                continue
            if name == "role":
                role_engine = True
                role = re.match(r"\s*([a-z]+)", engine.group(2))
                kind = kind or (role.group(1) if role else None)
                rest = engine.group(2)[role.end() :] if role else engine.group(2)
            elif name in ("css", "attr", "testid", "xpath", "id", "data-testid"):
                rest = engine.group(2)
            else:
                continue
        for m in _ATTR_RE.finditer(rest):
            attr, value = m.group(1).lower(), _unquote(m.group(2) or "")
            if not value:
                continue
            if attr == "role":
                kind = kind or value.split()[0].lower()
            elif attr == "type":
                if value in ("submit", "button"):
                    kind = kind or "button"
            elif attr == "name" and role_engine:
                take_text(value)
            elif attr in _WORD_ATTRS or attr.startswith("data-"):
                take(value)
        rest = _ATTR_RE.sub(" ", rest)
        for a, b in _QUOTED_RE.findall(rest):  # :has-text("..."), contains(., '...')
            take_text(_unquote(a or b))
        rest = _QUOTED_RE.sub(" ", rest)
        for m in _ID_RE.finditer(rest):
            take(m.group(1))
        for m in _CLASS_RE.finditer(rest):
            take(m.group(1))
        rest = _PSEUDO_RE.sub(" ", _CLASS_RE.sub(" ", _ID_RE.sub(" ", rest)))
        for m in _TAG_RE.finditer(rest):
            tag = m.group(1).lower()
            if tag in TAG_KINDS:
                kind = kind or TAG_KINDS[tag]
    return list(dict.fromkeys(found)), kind, list(dict.fromkeys(phrases))


def description_words(description: str | None) -> tuple[list[str], str | None, str, list[str]]:
    """(word stems, kind, within, phrases) of a step description ("Click Add to cart")."""
    if not description or not description.strip():
        return [], None, "", []
    text = _VARIABLE_RE.sub(" ", description)
    try:
        intent = parse_step(text)
    except (UnparseableStepError, ValueError):
        intent = None
    if intent is not None and intent.target is not None:
        target = intent.target
        kind = target.role
        got = [stem(w) for w in loose(target.text).split() if w not in STOPWORDS]
        if kind and len(got) == 1 and KIND_WORDS.get(got[0]) == kind:
            got = []  # "Click the button": a kind, not a name
        within = target.within or ""
        if within.lstrip("-").isdigit():
            within = ""
        phrases = [loose(target.text)] if got else []
        return got, kind, within, phrases
    kind = None
    got = []
    for w in loose(text).split():
        if w in KIND_WORDS and w not in ("select", "input", "tab"):  # not vocabulary: words
            kind = kind or KIND_WORDS[w]
        elif w not in STOPWORDS and w not in _STEP_WORDS and len(w) > 1 and not w.isdigit():
            got.append(stem(w))
    return got, kind, "", [" ".join(got)] if got else []


def query_words(selector: str | None, description: str | None) -> Words | None:
    """The words a step without history says about its element; None when it says none."""
    sw, skind, sphrases = selector_words(selector)
    dw, dkind, within, dphrases = description_words(description)
    found = frozenset(sw) | frozenset(dw)
    if not found:
        return None
    own = [p for p in dict.fromkeys([*dphrases, *sphrases]) if p]
    # "#login-button" also names a button whose whole visible name is "Sign in".
    alike = [s for p in own for s in synonym_phrases(p)]
    phrases = tuple(dict.fromkeys([*own, *alike]))
    return Words(found, skind or dkind, within, phrases)


def snapshot_options(query: Fingerprint | Words) -> dict[str, Any]:
    """What the page snapshot needs to know to skip elements that cannot match: the
    query's tag and words (interactive elements are always kept)."""
    if isinstance(query, Words):
        found = set(query.words)
        tags = [t for t, kind in TAG_KINDS.items() if kind == query.kind]
        phrases = [query.phrases]
    else:
        found = set(words(query.name) | words(query.text))
        for ident in (query.id, *(v for _, v in query.test_ids), *query.classes):
            found |= ident_words(ident)
        tags = [query.tag]
        phrases = [(query.name, query.text)]
    squeezed = sorted(
        {cached_compact(p) for group in phrases for p in group if len(cached_compact(p)) >= 3}
    )
    return {
        "mode": "snapshot",
        "tags": tags,
        "words": sorted(w for w in found if w),
        "compact": squeezed,
    }
