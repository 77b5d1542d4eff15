"""Pure scoring of snapshot records (``elements.candidates``): tables of fake records."""

from __future__ import annotations

from typing import Any

import pytest

from bugbrain.elements import candidates as cd
from bugbrain.elements import selectors as sel
from bugbrain.elements.dom import Candidate, Snapshot
from bugbrain.elements.text_match import match_score
from bugbrain.steps.parse import Target


class FakePage:
    """Builds the JSON a snapshot returns: nodes (the tree) and candidate records."""

    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.cands: list[dict[str, Any]] = []

    def node(self, tag: str, parent: int = -1, **extra: Any) -> int:
        self.nodes.append({"p": parent, "tag": tag, **extra})
        return len(self.nodes) - 1

    def el(
        self, tag: str, parent: int = -1, *, node: dict[str, Any] | None = None, **rec: Any
    ) -> int:
        k = self.node(tag, parent, **(node or {}))
        rec.setdefault("box", [0, 10 * len(self.cands), 50, 10])
        self.cands.append({"k": k, "tag": tag, **rec})
        return k

    def button(self, name: str, parent: int = -1, **rec: Any) -> int:
        fields = {"role": "button", "an": name, "txt": name, "clk": 1, **rec}
        return self.el("button", parent, **fields)

    def snapshot(self) -> Snapshot:
        return Snapshot.from_json({"nodes": self.nodes, "cands": self.cands})


def _attr(snap: Snapshot, decision: cd.Decision, key: str = "id") -> str:
    assert decision.kind == "found", decision.message
    assert decision.chosen is not None
    return str(getattr(decision.chosen.cand, key))


def pick(page: FakePage, target: Target, action: str = "click") -> str:
    snap = page.snapshot()
    return _attr(snap, cd.decide(snap, target, action))


def outcome(page: FakePage, target: Target, action: str = "click") -> cd.Decision:
    return cd.decide(page.snapshot(), target, action)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("query", "value", "identifier", "low", "high"),
    [
        ("Sign in", "Sign in", False, 100, 100),
        ("sign   IN", "Sign in", False, 100, 100),
        ("Email", "Email *", False, 96, 96),
        ("Email", "Email:", False, 96, 96),
        ("Signin", "Sign in", False, 90, 90),
        ("add to cart", "add-to-cart", True, 100, 100),
        ("Add to cart", "addToCart", True, 100, 100),
        ("add to cart", "add-to-cart-blue-mug", True, 75, 85),
        ("Remember me", "Remember me on this computer", False, 75, 85),
        ("terms", "I agree to the terms", False, 65, 75),
        ("Subscribe to newsletter", "Subscribe to our newsletter", False, 48, 60.01),
        ("Sign in now", "Sign in", False, 45, 55),
        ("Sign in", "Log in", False, 0, 0),
        ("Sign in", "Sign up", False, 0, 0),
        ("Sign in with Google", "Sign in", False, 0, 0),
        ("Settings", "Set", False, 0, 0),
        ("in", "Please sign in to continue for a while longer today", False, 0, 0),
        ("", "Anything", False, 0, 0),
    ],
)
def test_match_score_table(
    query: str, value: str, identifier: bool, low: float, high: float
) -> None:
    score = match_score(query, value, identifier=identifier)
    assert low <= score <= high, score


def test_exact_beats_prefix_contains_and_fuzzy() -> None:
    p = FakePage()
    p.button("Sign in with Google", id="google")
    p.button("Please sign in", id="please")
    p.button("Sign in", id="exact")
    assert pick(p, Target("Sign in")) == "exact"


def test_test_id_slug_matches_words() -> None:
    p = FakePage()
    p.button("", tid="add-to-cart-blue-mug", ta="data-testid", txt="", id="blue")
    p.button("", tid="add-to-cart-red-mug", ta="data-testid", txt="", id="red")
    assert pick(p, Target("Add to cart blue mug")) == "blue"


def test_minimum_score_never_heals_to_an_unrelated_element() -> None:
    p = FakePage()
    p.button("Log in")
    p.el("a", role="link", an="Sign up", txt="Sign up", clk=1)
    decision = outcome(p, Target("Sign in", role="button"))
    assert decision.kind == "not_found"
    assert decision.message == (
        'No element matches "Sign in" (button). Closest: button "Log in", link "Sign up"'
    )


def test_not_found_without_anything_close() -> None:
    p = FakePage()
    p.button("Checkout")
    decision = outcome(p, Target("Delete everything"))
    assert decision.kind == "not_found"
    assert decision.message == 'No element matches "Delete everything"'


def test_plain_text_is_clicked_only_when_it_says_exactly_that() -> None:
    p = FakePage()
    p.el("p", txt="Please sign in to continue", id="para")
    assert outcome(p, Target("sign in")).kind == "not_found"
    assert pick(p, Target("sign in"), "assert_visible") == "para"


# --------------------------------------------------------------------------- roles


def test_role_hint_is_required() -> None:
    p = FakePage()
    p.el("a", role="link", an="Submit", txt="Submit", clk=1, id="link")
    assert outcome(p, Target("Submit", role="button")).kind == "not_found"
    assert pick(p, Target("Submit", role="link")) == "link"


def test_button_may_be_a_link_styled_as_one_but_real_buttons_win() -> None:
    p = FakePage()
    p.el("a", role="link", an="Continue", txt="Continue", clk=1, cls="btn btn-primary", id="a")
    assert pick(p, Target("Continue", role="button")) == "a"
    p.el("input", role="button", an="Continue", val="Continue", ty="submit", clk=1, id="submit")
    assert pick(p, Target("Continue", role="button")) == "submit"


@pytest.mark.parametrize(
    ("action", "expected"),
    [("fill", "email-input"), ("check", "remember-box"), ("select", "country")],
)
def test_action_implies_the_kind_of_element(action: str, expected: str) -> None:
    p = FakePage()
    form = p.node("form", node={"c": 1})
    p.el("label", form, txt="Email", clk=1, id="email-label", ctl=2, ctlrole="textbox")
    p.el("input", form, role="textbox", an="Email", lab="Email", id="email-input")
    p.el("button", form, role="button", an="Email", txt="Email", clk=1, id="email-button")
    p.el("input", form, role="checkbox", an="Email", lab="Email", id="remember-box")
    p.el("select", form, role="combobox", an="Email", lab="Email", id="country")
    assert pick(p, Target("Email"), action) == expected


def test_label_and_its_control_are_one_match() -> None:
    p = FakePage()
    label = p.el("label", txt="Remember me", clk=1, id="label", ctl=1, ctlrole="checkbox")
    p.el("input", label, role="checkbox", an="Remember me", lab="Remember me", clk=1, id="box")
    assert pick(p, Target("Remember me")) == "box"
    assert pick(p, Target("Remember me"), "check") == "box"


def test_label_stands_in_for_a_hidden_custom_control() -> None:
    p = FakePage()
    p.el("label", txt="Dark mode", clk=1, id="label", ctl=1, ctlrole="checkbox")
    p.el("input", role="checkbox", an="Dark mode", lab="Dark mode", hid=1, id="box")
    assert pick(p, Target("Dark mode"), "check") == "label"


def test_text_inside_a_button_is_the_button() -> None:
    p = FakePage()
    button = p.button("Sign in", id="button")
    p.el("span", button, txt="Sign in", id="span")
    assert pick(p, Target("Sign in")) == "button"


def test_icon_word_finds_icon_only_buttons() -> None:
    p = FakePage()
    p.el("button", role="button", an="Delete", clk=1, id="icon")
    p.button("Delete all", id="text")
    assert pick(p, Target("Delete", role="img")) == "icon"


# --------------------------------------------------------------------------- state


def test_visible_beats_hidden() -> None:
    p = FakePage()
    p.button("Buy", id="hidden", hid=1)
    p.button("Buy", id="shown")
    assert pick(p, Target("Buy")) == "shown"


def test_a_visible_partial_match_beats_a_hidden_exact_one() -> None:
    p = FakePage()
    p.button("Buy", id="hidden", hid=1)
    p.button("Buy now", id="shown")
    assert pick(p, Target("Buy")) == "shown"


def test_only_hidden_matches() -> None:
    p = FakePage()
    p.button("Buy", id="hidden", hid=1)
    decision = outcome(p, Target("Buy"))
    assert decision.kind == "hidden"
    assert decision.message == 'Element not interactable: button "Buy" (hidden)'
    visible = outcome(p, Target("Buy"), "assert_visible")
    assert visible.message == 'Expected button "Buy" to be visible but it is hidden'
    assert pick(p, Target("Buy"), "assert_hidden") == "hidden"


def test_enabled_beats_disabled_for_actions() -> None:
    p = FakePage()
    p.button("Create account", id="off", dis=1)
    p.button("Create account", id="on")
    assert pick(p, Target("Create account")) == "on"
    only = FakePage()
    only.button("Create account", id="off", dis=1)
    assert pick(only, Target("Create account")) == "off"


def test_quoted_words_prefer_exact() -> None:
    p = FakePage()
    p.button("Save draft", id="draft")
    decision = outcome(p, Target("Save", quoted=True))
    assert decision.kind == "found"
    assert decision.chosen is not None
    assert decision.chosen.base < 75


# --------------------------------------------------------------------------- context


def _cards(page: FakePage) -> dict[str, int]:
    shop = page.node("ul", node={"role": "list", "len": 400, "m": 1})
    cards: dict[str, int] = {}
    for name, length, marks in (
        ("Blue Mug", 40, 1),
        ("Red Mug", 39, 0),
        ("Blue Mug Deluxe", 47, 1),
        ("Black Kettle", 44, 0),
    ):
        card = page.node("li", shop, role="listitem", c=1, card=1, lab=name, len=length, m=marks)
        page.el("h3", card, role="heading", an=name, txt=name, id=f"h-{name}")
        slug = name.lower().replace(" ", "-")
        page.button("Add to cart", card, id=f"cart-{slug}")
        page.button("Add to cart", card, id=f"twin-{slug}", hid=1)
        cards[name] = card
    return cards


def test_ambiguity_lists_candidates_and_suggests_how_to_say_which() -> None:
    p = FakePage()
    _cards(p)
    decision = outcome(p, Target("Add to cart"))
    assert decision.kind == "ambiguous"
    assert len(decision.group) == 4
    assert decision.message == (
        'Ambiguous target "Add to cart": 4 elements match equally well: '
        'button "Add to cart" (in "Blue Mug"), button "Add to cart" (in "Red Mug"), '
        'button "Add to cart" (in "Blue Mug Deluxe"), button "Add to cart" (in "Black Kettle")'
        ' — say which one, e.g. "the second Add to cart button" or '
        '"Add to cart on the Blue Mug card"'
    )


def test_ambiguity_between_kinds_suggests_the_kind() -> None:
    p = FakePage()
    p.el("a", role="link", an="Sign in", txt="Sign in", clk=1)
    p.button("Sign in")
    decision = outcome(p, Target("Sign in"))
    assert decision.message == (
        'Ambiguous target "Sign in": 2 elements match equally well: link "Sign in", '
        'button "Sign in" — say which one, e.g. "the Sign in link" or "the Sign in button"'
    )
    assert pick(p, Target("Sign in", role="button")) == ""


def test_ambiguity_lists_at_most_five() -> None:
    p = FakePage()
    for i in range(7):
        p.button("OK", id=str(i))
    decision = outcome(p, Target("OK"))
    assert decision.kind == "ambiguous"
    assert decision.message.count('button "OK"') == 5
    assert '7 elements match equally well: button "OK", ' in decision.message
    assert ", … — say which one" in decision.message


def test_within_picks_the_smallest_container_with_the_words() -> None:
    p = FakePage()
    _cards(p)
    assert pick(p, Target("Add to cart", within="Blue Mug")) == "cart-blue-mug"
    assert pick(p, Target("Add to cart", within="Blue Mug Deluxe")) == "cart-blue-mug-deluxe"


def test_within_never_picks_the_hidden_twin() -> None:
    p = FakePage()
    _cards(p)
    for _ in range(3):
        assert pick(p, Target("Add to cart", within="Blue Mug")) == "cart-blue-mug"


def test_within_text_that_is_nowhere() -> None:
    p = FakePage()
    _cards(p)
    for node in p.nodes:  # the page marks no container as containing "Green Teapot"
        node.pop("m", None)
    decision = outcome(p, Target("Add to cart", within="Green Teapot"))
    assert decision.kind == "not_found"
    assert decision.message.startswith('No element matches "Add to cart" in "Green Teapot"')


def test_within_a_role_word() -> None:
    p = FakePage()
    p.button("Save", id="page")
    dialog = p.node("div", role="dialog", c=1, lab="Edit profile", len=30)
    p.button("Save", dialog, id="dialog")
    assert outcome(p, Target("Save")).kind == "ambiguous"
    assert pick(p, Target("Save", within="dialog")) == "dialog"
    assert pick(p, Target("Save", within="modal")) == "dialog"
    assert pick(p, Target("Save", within_role="dialog")) == "dialog"


def _rows(page: FakePage, bit: int = 2) -> None:
    body = page.node("tbody", len=90, m=bit | 4)
    for name, length in (("Buy milk", 28), ("Walk dog", 28), ("Pay bills", 29)):
        marks = bit if name == "Walk dog" else 0
        if name == "Walk dog":
            marks |= 4
        row = page.node("tr", body, role="row", c=1, lab=name, len=length, m=marks)
        cell = page.node("td", row, role="cell")
        slug = name.split()[1]
        page.el("input", cell, role="checkbox", clk=1, id=f"cb-{slug}")
        page.el("td", row, role="cell", an=name, txt=name, id=f"cell-{slug}")
        actions = page.node("td", row, role="cell")
        page.el("button", actions, role="button", an="Edit", txt="✎", clk=1, id=f"edit-{slug}")
        page.el("button", actions, role="button", an="Delete", clk=1, id=f"del-{slug}")


def test_near_prefers_the_same_row() -> None:
    p = FakePage()
    _rows(p)
    assert pick(p, Target("Delete", near="Walk dog")) == "del-dog"
    assert pick(p, Target("checkbox", role="checkbox", near="Walk dog"), "check") == "cb-dog"
    assert pick(p, Target("Walk dog", role="checkbox", near="Walk dog"), "check") == "cb-dog"


def test_check_words_beside_an_unnamed_checkbox() -> None:
    p = FakePage()
    _rows(p)
    assert pick(p, Target("Walk dog"), "check") == "cb-dog"


def test_words_naming_another_control_are_not_a_proximity_anchor() -> None:
    p = FakePage()
    form = p.node("form", len=60, m=4)
    p.el("input", form, role="textbox", an="Email", lab="Email", id="email")
    p.el("input", form, role="checkbox", an="Remember me", id="remember")
    assert outcome(p, Target("Email"), "check").kind == "not_found"


def test_proximity_needs_one_control_in_the_tightest_container() -> None:
    p = FakePage()
    form = p.node("form", len=60, m=4)
    p.el("span", form, txt="Newsletter", id="text", box=[0, 0, 50, 10])
    p.el("input", form, role="checkbox", id="near", box=[60, 0, 10, 10])
    p.el("input", form, role="checkbox", id="far", box=[60, 300, 10, 10])
    assert outcome(p, Target("Newsletter"), "check").kind == "not_found"


def test_near_falls_back_to_distance_in_a_flat_layout() -> None:
    p = FakePage()
    form = p.node("form", len=40, m=2)
    p.el("span", form, txt="Company", id="company-label", box=[0, 0, 60, 10])
    p.el("input", form, role="textbox", id="company", box=[70, 0, 100, 10])
    p.el("span", form, txt="Phone", id="phone-label", box=[0, 40, 60, 10])
    p.el("input", form, role="textbox", id="phone", box=[70, 40, 100, 10])
    assert pick(p, Target("field", role="textbox", near="Company"), "fill") == "company"


@pytest.mark.parametrize(
    ("ordinal", "expected"), [(1, "del-milk"), (2, "del-dog"), (3, "del-bills"), (-1, "del-bills")]
)
def test_ordinals_count_in_document_order(ordinal: int, expected: str) -> None:
    p = FakePage()
    _rows(p)
    assert pick(p, Target("Delete", ordinal=ordinal)) == expected


def test_ordinal_counts_disabled_ones_too() -> None:
    p = FakePage()
    p.button("Next", id="a", dis=1)
    p.button("Next", id="b")
    assert pick(p, Target("Next", ordinal=1)) == "a"


def test_ordinal_out_of_range() -> None:
    p = FakePage()
    _rows(p)
    decision = outcome(p, Target("Delete", role="button", ordinal=5))
    assert decision.kind == "no_such_ordinal"
    assert decision.message == 'There is no fifth "Delete" (button): only 3 match'


def test_presence_checks_accept_any_of_equal_matches() -> None:
    p = FakePage()
    p.el("h1", role="heading", an="Sign in", txt="Sign in", id="heading")
    p.button("Sign in", id="button")
    assert pick(p, Target("Sign in"), "assert_visible") == "heading"
    assert pick(p, Target("Sign in")) == "button"  # clicking: the button
    assert outcome(p, Target("Sign in"), "assert_text").kind == "ambiguous"


def test_decide_all_counts_visible_matches_only() -> None:
    p = FakePage()
    _cards(p)
    decision = cd.decide_all(p.snapshot(), Target("Add to cart"))
    assert decision.kind == "found"
    assert [s.cand.id for s in decision.group] == [
        "cart-blue-mug",
        "cart-red-mug",
        "cart-blue-mug-deluxe",
        "cart-black-kettle",
    ]
    boxes = FakePage()
    _rows(boxes)
    assert len(cd.decide_all(boxes.snapshot(), Target("checkboxes")).group) == 3


# --------------------------------------------------------------------------- selectors


def _cand(**fields: Any) -> Candidate:
    return Candidate(node=0, **fields)


def test_selector_plan_prefers_stable_attributes() -> None:
    c = _cand(
        tag="button",
        role="button",
        name='Say "hi"',
        text='Say "hi"',
        id="greet",
        id_unique=True,
        test_id="greet-btn",
        test_id_unique=True,
    )
    assert sel.selector_plan(c)[:4] == [
        '[data-testid="greet-btn"]',
        "#greet",
        'role=button[name="Say \\"hi\\""]',
        'role=button[name="Say \\"hi\\""][disabled=false]',
    ]
    assert sel.selector_plan(c)[-1] == 'text="Say \\"hi\\""'


@pytest.mark.parametrize(
    ("ident", "stable"),
    [("email", True), ("input-839201", False), (":r1:", False), ("ember123", False), ("a1", True)],
)
def test_generated_ids_are_not_used(ident: str, stable: bool) -> None:
    assert sel.stable_id(ident) is stable
    c = _cand(tag="input", role="textbox", id=ident, id_unique=True, placeholder="Code")
    assert (sel.id_selector(ident) in sel.selector_plan(c)) is stable


def test_field_selectors() -> None:
    c = _cand(tag="input", role="textbox", name="Email", label="Email", placeholder="you@x")
    assert sel.selector_plan(c) == [
        'role=textbox[name="Email"]',
        'role=textbox[name="Email"][disabled=false]',
        '[placeholder="you@x"]',
    ]


def test_hidden_elements_need_include_hidden() -> None:
    c = _cand(tag="button", role="button", name="Go", visible=False)
    assert sel.selector_plan(c)[0] == 'role=button[name="Go"][include-hidden=true]'


def test_group_selectors_and_fallback() -> None:
    group = [
        _cand(tag="button", role="button", name="Add", classes="btn add", test_id=f"add-{i}")
        for i in range(3)
    ]
    assert sel.group_selector_plan(group)[:3] == [
        'role=button[name="Add"]',
        '[data-testid^="add-"]',
        "button.add",
    ]
    assert sel.fallback_group_selector(Target("checkboxes")) == "role=checkbox"
    assert (
        sel.fallback_group_selector(Target("Add to cart", role="button"))
        == 'role=button[name*="Add to cart" i]'
    )
    assert sel.fallback_group_selector(Target("Error")) == ':text("Error")'


def test_no_selector_uses_playwright_internal_engines() -> None:
    c = _cand(
        tag="input",
        role="textbox",
        name="Email",
        label="Email",
        placeholder="you@x",
        alt="x",
        title="t",
        text="Email",
        visible=False,
    )
    plans = [sel.selector_plan(c), sel.group_selector_plan([c, c])]
    plans.append([sel.fallback_group_selector(Target(t)) for t in ("boxes", "Error")])
    assert all("internal:" not in s for plan in plans for s in plan), plans


@pytest.mark.parametrize(
    ("stored", "public"),
    [
        ('internal:role=button[name="Add to cart"s]', 'role=button[name="Add to cart"]'),
        ('internal:role=button[name="Remove"i]', 'role=button[name*="Remove" i]'),
        (
            'internal:role=button[name="Say \\"hi\\""s][disabled=false]',
            'role=button[name="Say \\"hi\\""][disabled=false]',
        ),
        (
            'internal:role=button[name="Go"s][include-hidden=true]',
            'role=button[name="Go"][include-hidden=true]',
        ),
        ("internal:role=checkbox", "role=checkbox"),
        ('internal:text="Add to cart"s', 'text="Add to cart"'),
        ('internal:text="Error"i', ':text("Error")'),
        ('internal:attr=[placeholder="you@x"s]', '[placeholder="you@x"]'),
        ('internal:attr=[title="Close"i]', '[title*="Close" i]'),
        (
            'li >> internal:has-text="Blue Mug"i >> internal:role=button[name="Add"s]',
            'li:has-text("Blue Mug") >> role=button[name="Add"]',
        ),
        (
            '[data-testid="product-24"] >> internal:role=button[name="A >> B"s]',
            '[data-testid="product-24"] >> role=button[name="A >> B"]',
        ),
        ('internal:label="Email"s', None),
        ('role=button >> internal:has-text="x"i', None),
        ("#add-to-cart", "#add-to-cart"),
        ('text="Sign in"', 'text="Sign in"'),
    ],
)
def test_public_selector(stored: str, public: str | None) -> None:
    assert sel.public_selector(stored) == public


def test_snapshot_options() -> None:
    opts = cd.snapshot_options(Target("Terms and conditions", near="Pay bills"), "check")
    assert opts["tokens"] == ["bill", "condition", "pay", "term"]
    assert opts["roles"] == ["checkbox", "menuitemcheckbox", "menuitemradio", "radio", "switch"]
    assert opts["probes"] == ["", "pay bills", "terms and conditions"]
    assert opts["wide"] is False
    assert cd.snapshot_options(Target("checkbox", near="X"), "check")["wide"] is True
