"""Controls named by what they do, found by what they look like (pure).

"Click the delete button next to 'Pay rent'" on a row whose delete control is a
``<button class="destroy">`` with no text, its × drawn by CSS: the words name no
text on the page, but the button's class and its ``::after`` content say "delete".
The synonym table (``steps/control_words.toml``) says which words and glyphs mean
which control; this module reads an element's evidence against it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from bugbrain.elements.dom import Candidate
from bugbrain.elements.text_match import identifier_words, loose
from bugbrain.steps.controls import Control, control_of

# Scores on the text-match scale (0-100): below an element that shows the words
# (100) or contains them (65-85), above a partial text match. Words meant for people
# (aria-label, title, an SVG's <title>, visible text) count a little more than
# identifiers (class, id, data-*, <use href>) and drawn glyphs.
_FOR_PEOPLE: Final = 80.0
_IDENTIFIER: Final = 78.0
# The control's own name ("delete" in class "delete-btn") over a synonym ("trash").
_OWN_NAME_BONUS: Final = 3.0
_PEOPLE_SOURCES: Final = frozenset({"aria-label", "title", "svg-title", "text"})
_IDENT_SOURCES: Final = frozenset({"class", "id", "data", "test-id", "svg-use"})
# A glyph is only evidence when it is all the element shows (not "× 3 items").
_MAX_GLYPH_TEXT: Final = 2


@dataclass(frozen=True)
class IconMatch:
    control: str  # "delete"
    source: str  # "class", "css", "svg-title", ...
    value: str  # "destroy", "×"
    score: float

    def reason(self) -> str:
        """``class "destroy" means delete``."""
        return f'{self.source} "{self.value}" means {self.control}'


def control_for(words: str) -> Control | None:
    """The control the step's words name by what it does, if they do."""
    return control_of(words)


def icon_words(control: Control) -> list[str]:
    """Lower-case words the page script looks for in class names (a prefilter)."""
    return sorted({w for phrase in control.words for w in phrase if len(w) >= 2})


def _evidence(c: Candidate) -> Iterator[tuple[str, str]]:
    if c.name:
        yield "aria-label" if c.name != c.text else "text", c.name
    if c.title:
        yield "title", c.title
    if c.text and c.text != c.name:
        yield "text", c.text
    if c.test_id:
        yield "test-id", c.test_id
    if c.id:
        yield "id", c.id
    if c.classes:
        yield "class", c.classes
    yield from c.icons


def _says(control: Control, source: str, value: str) -> tuple[float, str] | None:
    """(score, the matched word or glyph) when ``value`` says ``control``."""
    stripped = value.strip()
    if stripped in control.glyphs and (source == "css" or len(stripped) <= _MAX_GLYPH_TEXT):
        return _IDENTIFIER, stripped
    if source == "css":
        return None  # generated content is glyphs or decoration, not prose
    words = (identifier_words(value) if source in _IDENT_SOURCES else loose(value)).split()
    if source in ("text", "aria-label") and len(words) > 4:
        return None  # a sentence that mentions the word is not the control's name
    for i, phrase in enumerate(control.words):
        n = len(phrase)
        if any(tuple(words[j : j + n]) == phrase for j in range(len(words) - n + 1)):
            base = _FOR_PEOPLE if source in _PEOPLE_SOURCES else _IDENTIFIER
            return base + (_OWN_NAME_BONUS if i == 0 else 0.0), " ".join(phrase)
    return None


def icon_match(control: Control, c: Candidate) -> IconMatch | None:
    """The best evidence that ``c`` is ``control``, or None."""
    best: IconMatch | None = None
    for source, value in _evidence(c):
        found = _says(control, source, value)
        if found is not None and (best is None or found[0] > best.score):
            shown = value if len(value) <= 40 else found[1]
            best = IconMatch(control.name, source, shown, found[0])
    return best
