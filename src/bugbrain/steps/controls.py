"""Controls named by what they do: the synonym table ``control_words.toml`` as data.

``control_of("Remove")`` → the ``delete`` control; ``verb_control("delete")`` says a
sentence led by that verb means "use the item's delete control". The element side
(``elements.icons``) matches these words and glyphs against an element's class, id,
``data-*``, title, aria-label, icon glyph, SVG title / use href and CSS content.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType


@dataclass(frozen=True)
class Control:
    # "delete": the table's key, used in evidence ("class 'destroy' means delete").
    name: str
    # Each a tuple of lower-case words that must appear consecutively.
    words: tuple[tuple[str, ...], ...]
    glyphs: frozenset[str]
    verbs: frozenset[str]


def _words(phrase: str) -> tuple[str, ...]:
    return tuple(re.sub(r"[^\w]+", " ", phrase.casefold()).split())


@cache
def controls() -> MappingProxyType[str, Control]:
    """The table, read once from the package."""
    text = resources.files("bugbrain.steps").joinpath("control_words.toml").read_text("utf-8")
    table = tomllib.loads(text)
    return MappingProxyType(
        {
            name: Control(
                name,
                tuple(_words(w) for w in row.get("words", ())),
                frozenset(row.get("glyphs", ())),
                frozenset(v.casefold() for v in row.get("verbs", ())),
            )
            for name, row in table.items()
        }
    )


def control_of(text: str) -> Control | None:
    """The control ``text`` names on its own ("Remove", "trash can", "×"), else None."""
    words = _words(text)
    stripped = text.strip()
    for control in controls().values():
        if words and words in control.words:
            return control
        if stripped and stripped in control.glyphs:
            return control
    return None


def verb_control(verb: str) -> Control | None:
    """The control a leading verb applies to an item ("Delete 'X'"), else None."""
    low = verb.casefold()
    return next((c for c in controls().values() if low in c.verbs), None)


def verbs_pattern() -> str:
    """Every verb of the table as one regex alternative (longest first)."""
    verbs = sorted({v for c in controls().values() for v in c.verbs}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(v) for v in verbs) + ")"
