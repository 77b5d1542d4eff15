"""Icon evidence (``elements.icons``) and the choices it leads to in
``elements.candidates``: tables of fake records, no browser."""

from __future__ import annotations

import pytest

from bugbrain.elements import candidates as cd
from bugbrain.elements.dom import Candidate
from bugbrain.elements.icons import icon_match
from bugbrain.steps.controls import control_of
from bugbrain.steps.parse import Target
from tests.unit.test_candidates import FakePage, outcome, pick


def _control(word: str) -> object:
    control = control_of(word)
    assert control is not None, word
    return control


def _cand(**fields: object) -> Candidate:
    return Candidate(node=0, tag="button", role="button", **fields)  # type: ignore[arg-type]


# (words, element fields, the evidence source it must match by, or None for no match)
CASES: list[tuple[str, dict[str, object], str | None]] = [
    ("delete", {"classes": "destroy"}, "class"),
    ("delete", {"classes": "btn btn-danger", "icons": (("css", "×"),)}, "css"),
    ("delete", {"icons": (("class", "fa fa-trash-o"),)}, "class"),
    ("delete", {"icons": (("svg-use", "icon-trash"),)}, "svg-use"),
    ("remove", {"icons": (("svg-title", "Delete"),)}, "svg-title"),
    ("delete", {"name": "Remove item"}, "aria-label"),
    ("delete", {"title": "Trash it"}, "title"),
    ("delete", {"text": "🗑"}, "text"),
    ("delete", {"test_id": "todo-delete"}, "test-id"),
    ("delete", {"id": "removeButton"}, "id"),
    ("close", {"classes": "btn-close", "icons": (("css", "✕"),)}, "class"),
    ("close", {"icons": (("css", "✕"),)}, "css"),
    ("menu", {"icons": (("class", "fa fa-bars"),)}, "class"),
    ("next", {"icons": (("class", "chevron-right"),)}, "class"),
    ("search", {"icons": (("class", "bi bi-search"),)}, "class"),
    ("edit", {"icons": (("data", "icon pencil"),)}, "data"),
    # near misses: not evidence of that control
    ("next", {"classes": "pull-right"}, None),  # "right" alone is not "arrow right"
    ("delete", {"classes": "todo-list"}, None),
    ("delete", {"text": "× 3 items"}, None),  # a glyph among words is not the icon
    ("delete", {"name": "Do not remove the cover before reading this"}, None),  # prose
    ("delete", {"icons": (("css", "counter(item)"),)}, None),
    ("expand", {"classes": "toggle"}, None),  # TodoMVC's checkbox: prose, not a control word
    ("add", {"classes": "new-todo"}, None),
]


@pytest.mark.parametrize(("words", "fields", "source"), CASES)
def test_icon_evidence(words: str, fields: dict[str, object], source: str | None) -> None:
    found = icon_match(_control(words), _cand(**fields))  # type: ignore[arg-type]
    assert (found.source if found else None) == source, found
    if found is not None:
        assert found.reason().endswith(f"means {found.control}")


def _todo_row(page: FakePage, title: str, *, hidden: bool = True) -> int:
    li = page.node("li", role="listitem", c=1, lab=title, m=0)
    page.el("label", li, txt=title, an=title)
    return page.el(
        "button",
        li,
        role="button",
        cls="destroy",
        clk=1,
        hid=1 if hidden else 0,
        ico=[["css", "×"]],
        id=f"del-{title.split()[0].lower()}",
    )


def _todos() -> FakePage:
    page = FakePage()
    _todo_row(page, "Pay rent", hidden=False)
    _todo_row(page, "Water the plants", hidden=False)
    return page


def test_the_delete_control_in_the_row_the_words_name() -> None:
    page = _todos()
    # near marks: which nodes contain the near text (the page script sets them)
    page.nodes[0]["m"], page.nodes[3]["m"] = 0, 2
    assert pick(page, Target("Delete", near="Water the plants")) == "del-water"


def test_a_hidden_icon_control_is_a_hidden_decision_not_a_guess() -> None:
    page = FakePage()
    _todo_row(page, "Pay rent", hidden=True)
    decision = outcome(page, Target("delete"))
    assert decision.kind == "hidden"
    assert decision.chosen is not None
    assert decision.chosen.icon is not None


def test_all_the_words_beat_some_of_them_whatever_the_element() -> None:
    page = FakePage()
    page.el("a", role="link", an="Completed", txt="Completed", clk=1, id="link")
    page.button("Clear completed (1)", id="clear")
    assert pick(page, Target("Clear completed", quoted=True)) == "clear"
    assert pick(page, Target("Clear completed")) == "clear"


def test_a_hidden_whole_match_is_never_traded_for_a_visible_partial_one() -> None:
    page = FakePage()
    page.el("a", role="link", an="Archive", txt="Archive", clk=1, id="link")
    page.button("Archive all", id="all", hid=1)
    decision = outcome(page, Target("Archive all", quoted=True))
    assert decision.kind == "hidden"
    assert decision.chosen is not None
    assert decision.chosen.cand.id == "all"


def test_a_partial_match_alone_is_taken_and_says_so() -> None:
    page = FakePage()
    page.el("a", role="link", an="Archive", txt="Archive", clk=1, id="link")
    decision = outcome(page, Target("Archive all"))
    assert decision.kind == "found"
    assert decision.chosen is not None
    assert not decision.chosen.whole
    assert "shares some of the words" in decision.reasons[0]


def test_label_and_placeholder_answering_alike_are_ambiguous() -> None:
    page = FakePage()
    page.el("input", role="textbox", an="Search", lab="Search", id="header")
    page.el("input", role="searchbox", ph="Search", id="orders")
    decision = outcome(page, Target("Search"), "fill")
    assert decision.kind == "ambiguous", decision
    assert len(decision.group) == 2


def test_a_button_and_a_field_answering_alike_are_not() -> None:
    # Different kinds of control: the field's placeholder does not rival the button.
    page = FakePage()
    page.el("input", role="searchbox", ph="Search", id="box")
    page.button("Search", id="go")
    assert pick(page, Target("Search")) == "go"


def test_reasons_say_how_where_and_the_next_best() -> None:
    page = FakePage()
    page.el("a", role="link", an="Completed", txt="Completed", clk=1, id="link")
    page.button("Clear completed (1)", id="clear")
    decision = outcome(page, Target("Clear completed"))
    assert decision.reasons[0].startswith('name "Clear completed (1)" contains all the words')
    assert decision.reasons[-1].startswith('next best: link "Completed"')
    decision = outcome(page, Target("Clear completed", role="button"))
    assert "a button, as the step says" in decision.reasons


def test_snapshot_options_ask_for_icons_only_for_control_words() -> None:
    assert "destroy" in cd.snapshot_options(Target("delete"), "click")["icons"]
    assert "trash" in cd.snapshot_options(Target("Remove", near="x"), "click")["icons"]
    assert cd.snapshot_options(Target("Add to cart"), "click")["icons"] == []
