"""Tables for the synonym table of controls (bugbrain.steps.controls, control_words.toml)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from bugbrain.steps.controls import Control, control_of, controls, verb_control, verbs_pattern

TABLE = controls()
VERBS = sorted({v for c in TABLE.values() for v in c.verbs})


def name_of(control: Control | None) -> str | None:
    return control.name if control else None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # words, any casing, surrounding space and punctuation ignored
        ("Delete", "delete"),
        ("delete", "delete"),
        ("DELETE", "delete"),
        ("  Remove ", "delete"),
        ("Remove!", "delete"),
        ("trash", "delete"),
        ("Discard", "delete"),
        ("Close", "close"),
        ("dismiss", "close"),
        ("Edit", "edit"),
        ("pencil", "edit"),
        ("Search", "search"),
        ("kebab", "menu"),
        ("Settings", "settings"),
        ("Next", "next"),
        ("prev", "previous"),
        ("Expand", "expand"),
        ("Collapse", "collapse"),
        ("favourite", "favorite"),
        ("Cart", "cart"),
        # phrases: consecutive words, separators of identifiers count as spaces
        ("trash can", "delete"),
        ("Trash Can", "delete"),
        ("trash-can", "delete"),
        ("clear item", "delete"),
        ("magnifying glass", "search"),
        ("more options", "menu"),
        ("arrow right", "next"),
        ("arrow-right", "next"),
        ("chevron left", "previous"),
        ("show more", "expand"),
        ("shopping cart", "cart"),
        # glyphs, with or without the emoji variation selector
        # the multiplication sign is close's too: control_of answers the first row
        ("×", "delete"),
        ("✕", "delete"),
        (" × ", "delete"),
        ("🗑", "delete"),
        ("🗑️", "delete"),
        ("⌫", "delete"),
        ("✎", "edit"),
        ("✏️", "edit"),
        ("🔍", "search"),
        ("☰", "menu"),
        ("⋮", "menu"),
        ("⚙", "settings"),
        ("›", "next"),  # noqa: RUF001
        ("‹", "previous"),  # noqa: RUF001
        ("▼", "expand"),
        ("▲", "collapse"),
        ("+", "add"),
        ("★", "favorite"),
        ("✓", "complete"),
        ("?", "help"),
        # not a control on their own
        ("Blue Mug", None),
        ("Pay rent", None),
        ("trash the can", None),
        ("can trash", None),
        ("pull right", None),
        ("right", None),
        ("Deleted", None),
        ("", None),
        ("   ", None),
        ("××", None),
    ],
)
def test_control_of(text: str, name: str | None) -> None:
    assert name_of(control_of(text)) == name


@pytest.mark.parametrize(
    ("verb", "name"),
    [
        ("delete", "delete"),
        ("Delete", "delete"),
        ("REMOVE", "delete"),
        ("trash", "delete"),
        ("destroy", "delete"),
        ("discard", "delete"),
        ("erase", "delete"),
        ("close", "close"),
        ("Dismiss", "close"),
        ("edit", "edit"),
        ("rename", "edit"),
        ("modify", "edit"),
        ("expand", "expand"),
        ("unfold", "expand"),
        ("collapse", "collapse"),
        ("fold", "collapse"),
        ("duplicate", "copy"),
        ("reload", "refresh"),
        ("star", "favorite"),
        ("bookmark", "favorite"),
        ("print", "print"),
        # not verbs of the table: the item itself, other rules, or words only
        ("open", None),
        ("click", None),
        ("clear", None),
        ("check", None),
        ("toggle", None),
        ("search", None),
        ("add", None),
        ("hide", None),
        ("", None),
    ],
)
def test_verb_control(verb: str, name: str | None) -> None:
    assert name_of(verb_control(verb)) == name


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_row_has_words_and_is_named_by_its_first(name: str) -> None:
    control = TABLE[name]
    assert control.name == name
    assert control.words, f"{name} has no words"
    assert all(control.words), f"{name} has an empty word"
    assert control.words[0] == (name,), "the first word is the name"
    for phrase in control.words:
        assert all(w == w.casefold() and re.fullmatch(r"\w+", w) for w in phrase)
    for glyph in control.glyphs:
        assert glyph
        assert glyph == glyph.strip()


def test_no_verb_belongs_to_two_controls() -> None:
    """A leading verb is unambiguous: "Delete 'X'" means one control."""
    counts = Counter(v for c in TABLE.values() for v in c.verbs)
    assert [v for v, n in counts.items() if n > 1] == []


def test_no_word_belongs_to_two_controls() -> None:
    counts = Counter(w for c in TABLE.values() for w in c.words)
    assert [" ".join(w) for w, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("verb", VERBS)
def test_a_verb_names_its_own_control(verb: str) -> None:
    """The parser writes the verb as the target's text ("Delete 'X'" → text "Delete");
    the locator expands it with control_of, which must land on the same control."""
    control = verb_control(verb)
    assert control is not None
    assert (verb,) in control.words
    assert control_of(verb.capitalize()) is control


@pytest.mark.parametrize("verb", VERBS)
def test_verbs_pattern_matches_each_verb_whole(verb: str) -> None:
    match = re.match(verbs_pattern(), f"{verb} 'Pay rent'", re.I)
    assert match is not None
    assert match.group() == verb


def test_verbs_pattern_prefers_the_longest_verb() -> None:
    match = re.match(verbs_pattern(), "unfold the section")
    assert match is not None
    assert match.group() == "unfold"
    assert re.fullmatch(verbs_pattern(), "open") is None


def test_the_table_is_read_once() -> None:
    assert controls() is controls()
    assert VERBS, "the table has verbs"


def test_the_guide_lists_every_verb() -> None:
    """docs/writing-tests.md names the verbs a step may start with; keep it in step."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "writing-tests.md").read_text()
    section = guide.split("## Acting on an item", 1)[1].split("\n## ", 1)[0]
    verbs = section.split("control_words.toml`", 1)[1].split("Each step is a click", 1)[0]
    listed = set(re.findall(r"\w+", verbs))
    assert set(VERBS) <= listed
