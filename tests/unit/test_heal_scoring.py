"""Pure scoring of self-healing candidates (``elements.healing.search``): tables of fake elements."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest

from bugbrain.elements.healing import search as heal
from bugbrain.elements.healing.search import Candidate, Fingerprint, Ranked, Words

_nodes = itertools.count(100)

ADD = Fingerprint(
    tag="button",
    classes=("add-to-cart-btn",),
    text="Add to cart",
    name="Add to cart",
    role="button",
    type="button",
    path=("div.actions", "div.card.product"),
    context=("Blue Mug", "Products"),
    index=1,
    box=(20.0, 300.0, 90.0, 24.0),
)


def cand(base: Fingerprint = ADD, **changes: Any) -> Candidate:
    """A candidate like ``base`` (an unchanged element) with ``changes``."""
    fields = {f: getattr(base, f) for f in Fingerprint.__dataclass_fields__}
    fields.update(changes)
    extra = {
        k: fields.pop(k)
        for k in ("node", "parent", "clickable", "editable", "id_unique", "test_id_unique")
        if k in fields
    }
    extra.setdefault("node", next(_nodes))
    extra.setdefault("clickable", fields.get("role") in ("button", "link"))
    return Candidate(**fields, **extra)


RENAMED = cand(classes=("product-add-btn",))
REMOVE = cand(classes=("remove-btn",), text="Remove", name="Remove", box=(20, 300, 70, 24))
WISHLIST = cand(
    tag="a",
    role="link",
    classes=("wishlist-link",),
    text="Add to wishlist",
    name="Add to wishlist",
    type="",
    attrs=(("href", "#wishlist"),),
    box=(120, 300, 100, 20),
)
REVIEWS = cand(tag="a", role="link", classes=(), text="Reviews", name="Reviews", type="")
PRICE = cand(tag="p", role="", classes=("price",), text="$12.00", name="", type="")


def best_of(query: Fingerprint | Words, cands: list[Candidate], action: str = "click") -> Any:
    ranked = heal.rank(query, cands, action)
    best = ranked[0] if ranked else None
    runner_up = ranked[1] if len(ranked) > 1 else None
    ok, reason = heal.auto_heal_decision(best, runner_up, action)
    return best, ok, reason


# --------------------------------------------------------------------------- with history

SCENARIOS = [
    # (name, candidates, action, expected best (or None), auto_ok, reason contains, min score)
    ("renamed class", [PRICE, RENAMED, REVIEWS], "click", RENAMED, True, "unique", 0.9),
    (
        "moved button",
        [
            PRICE,
            # Out of the card's footer into its header.
            moved := cand(
                path=("div.card-header", "div.card.product"),
                index=1,
                box=(20.0, 100.0, 90.0, 24.0),
            ),
        ],
        "click",
        moved,
        True,
        "unique",
        0.8,
    ),
    (
        "tag changed: button became a[role=button]",
        [PRICE, as_link := cand(tag="a", type="", attrs=(("href", "#"),))],
        "click",
        as_link,
        True,
        "",
        0.85,
    ),
    (
        "two similar buttons: the context picks the card",
        [
            cand(classes=("product-add-btn",), context=("Red Mug", "Products"), index=1),
            blue := cand(classes=("product-add-btn",), context=("Blue Mug", "Products")),
        ],
        "click",
        blue,
        True,
        "",
        0.85,
    ),
    (
        "hidden twin never wins",
        [cand(visible=False), renamed := cand(classes=("product-add-btn",))],
        "click",
        renamed,
        True,
        "",
        0.9,
    ),
    ("only a hidden twin", [cand(visible=False), PRICE], "click", None, False, "hidden", 0.0),
    (
        "disabled",
        [cand(classes=("product-add-btn",), enabled=False)],
        "click",
        None,
        False,
        "disabled",
        0.0,
    ),
    (
        "disabled is fine for a visibility check",
        [disabled := cand(classes=("product-add-btn",), enabled=False)],
        "assert_visible",
        disabled,
        True,
        "",
        0.85,
    ),
    (
        "the same button of another record",
        [cand(classes=("product-add-btn",), context=("Red Mug", "Products"))],
        "click",
        None,
        False,
        "another container",
        0.0,
    ),
    ("unrelated: only a Remove button", [REMOVE, REVIEWS], "click", None, False, "name", 0.0),
    ("unrelated: only a wishlist link", [WISHLIST, PRICE], "click", None, False, "name", 0.0),
    ("nothing at all", [], "click", None, False, "no element", 0.0),
]


@pytest.mark.parametrize(
    ("cands", "action", "expected", "ok", "reason", "min_score"),
    [s[1:] for s in SCENARIOS],
    ids=[s[0] for s in SCENARIOS],
)
def test_fingerprint_scenarios(
    cands: list[Candidate],
    action: str,
    expected: Candidate | None,
    ok: bool,
    reason: str,
    min_score: float,
) -> None:
    best, auto_ok, why = best_of(ADD, cands, action)
    assert auto_ok is ok, why
    assert reason in why
    if expected is not None:
        assert best is not None, why
        assert best.cand is expected, why
        assert best.score >= min_score, best


def test_unchanged_element_scores_one() -> None:
    score, signals = heal.score(ADD, cand())
    assert score == pytest.approx(1.0)
    assert signals["identity"] == 1.0


def test_renamed_class_costs_only_the_class_signal() -> None:
    score, signals = heal.score(ADD, RENAMED)
    assert 0.9 <= score < 1.0
    assert signals["classes"] < 0.5
    assert {signals[k] for k in ("tag", "role", "name", "text", "path", "context")} == {1.0}


def test_two_identical_buttons_are_ambiguous() -> None:
    # The fingerprint says nothing that tells them apart (no context, no path).
    fp = replace(ADD, path=(), context=(), box=None)
    twins = [cand(fp, classes=("product-add-btn",), box=(x, 300, 90, 24)) for x in (20, 400)]
    best, ok, reason = best_of(fp, twins)
    assert not ok
    assert "ambiguous" in reason
    assert best is not None
    assert best.ambiguity > 0


def test_role_must_fit_the_action() -> None:
    email = Fingerprint(
        tag="input", role="textbox", name="Email", name_attr="email", type="email", index=1
    )
    link = cand(email, tag="a", role="link", type="", name_attr="", text="Email", name="Email")
    best, ok, reason = best_of(email, [link], "fill")
    assert best is not None
    assert not best.fits_action
    assert not ok
    assert "cannot be used to fill" in reason
    field = cand(email, name_attr="user_email")
    best, ok, reason = best_of(email, [link, field], "fill")
    assert ok, reason
    assert best is not None
    assert best.cand is field


def test_test_id_match_is_identity_even_with_new_text() -> None:
    fp = replace(ADD, test_ids=(("data-testid", "add-to-cart"),))
    relabelled = cand(fp, text="Add to basket", name="Add to basket")
    _score, signals = heal.score(fp, relabelled)
    assert signals["identity"] == 1.0
    _best, ok, reason = best_of(fp, [relabelled])
    assert ok, reason
    # Without the test id the same change is not healed automatically.
    plain = cand(text="Add to basket", name="Add to basket")
    _, ok, reason = best_of(ADD, [plain])
    assert not ok
    assert "name" in reason


def test_nested_element_with_the_same_words_is_the_same_target() -> None:
    button = cand(classes=("product-add-btn",), node=1, parent=0)
    inner = cand(tag="span", role="", classes=(), type="", node=2, parent=1)
    ranked = heal.rank(ADD, [inner, button], "click")
    assert [r.cand for r in ranked] == [button]


# --------------------------------------------------------------------------- without history


@pytest.mark.parametrize(
    ("selector", "words", "kind"),
    [
        (".add-to-cart-btn", ["add", "cart"], "button"),
        ("#login-btn", ["login"], "button"),
        ("[data-testid=checkout-button]", ["checkout"], "button"),
        ('[data-testid="checkout-button"]', ["checkout"], "button"),
        ('internal:role=button[name="Add to cart"i]', ["add", "cart"], "button"),
        ('role=button[name="Add to cart"]', ["add", "cart"], "button"),
        ('role=link[name*="contact" i]', ["contact"], "link"),
        ('text="Sign in"', ["sign"], None),
        ("text=Sign in", ["sign"], None),
        ("#main > div.card:nth-child(2) a.more-link", ["main", "card", "more"], "link"),
        ("input[name=email]", ["email"], "textbox"),
        ("xpath=//button[@id='save-draft']", ["save", "draft"], "button"),
        ("div > span:nth-of-type(3)", [], None),
    ],
)
def test_selector_words(selector: str, words: list[str], kind: str | None) -> None:
    found, found_kind, _ = heal.selector_words(selector)
    assert found == words
    assert found_kind == kind


@pytest.mark.parametrize(
    ("description", "words", "kind", "within"),
    [
        ("Click Add to cart", ["add", "cart"], None, ""),
        (
            "Click the 'Add to cart' button on the Blue Mug card",
            ["add", "cart"],
            "button",
            "Blue Mug",
        ),
        ("Type {{email}} into the Email field", ["email"], "textbox", ""),
        ("Add the mug to the basket", ["add", "mug", "basket"], None, ""),
        ("", [], None, ""),
    ],
)
def test_description_words(
    description: str, words: list[str], kind: str | None, within: str
) -> None:
    found, found_kind, found_within, _ = heal.description_words(description)
    assert found == words
    assert found_kind == kind
    assert found_within == within


def test_no_words_no_query() -> None:
    assert heal.query_words("div > span:nth-of-type(3)", None) is None
    assert heal.query_words(None, "") is None


WORDS = heal.query_words(".add-to-cart-btn", "Click Add to cart")

NO_HISTORY = [
    ("renamed class", [PRICE, RENAMED, REVIEWS], "click", RENAMED, True),
    ("only unrelated elements", [REMOVE, WISHLIST, REVIEWS], "click", None, False),
    ("two add buttons", [RENAMED, cand(classes=("product-add-btn",))], "click", None, False),
    ("hidden twin", [cand(visible=False)], "click", None, False),
]


@pytest.mark.parametrize(
    ("cands", "action", "expected", "ok"),
    [s[1:] for s in NO_HISTORY],
    ids=[s[0] for s in NO_HISTORY],
)
def test_words_scenarios(
    cands: list[Candidate], action: str, expected: Candidate | None, ok: bool
) -> None:
    assert WORDS is not None
    best, auto_ok, why = best_of(WORDS, cands, action)
    assert auto_ok is ok, why
    if expected is not None:
        assert best is not None
        assert best.cand is expected
    if best is not None:
        assert best.score <= heal.WORDS_CAP


def test_words_scores_are_capped_below_history() -> None:
    assert WORDS is not None
    perfect = cand(classes=("add-to-cart-btn",))
    score, _ = heal.score(WORDS, perfect, action="click")
    assert score == pytest.approx(heal.WORDS_CAP)
    assert heal.WORDS_CAP < heal.HISTORY_THRESHOLD + 0.1
    assert heal.WORDS_THRESHOLD <= heal.WORDS_CAP


def test_words_match_ignoring_spaces() -> None:
    words = heal.query_words("#login-btn", None)
    assert words is not None
    login = cand(text="Log in", name="Log in", classes=("auth",))
    best, ok, reason = best_of(words, [login, REVIEWS])
    assert best is not None
    assert best.cand is login
    assert ok, reason


# --------------------------------------------------------------------------- the decision


def ranked(c: Candidate, score: float, **kw: Any) -> Ranked:
    kw.setdefault("signals", {"identity": 1.0})
    return Ranked(c, score, score, kw.pop("mode", "fingerprint"), **kw)


@pytest.mark.parametrize(
    ("best", "runner_up", "ok", "reason"),
    [
        (ranked(RENAMED, 0.92), None, True, "unique"),
        (ranked(RENAMED, 0.79), None, False, "below the threshold 0.8"),
        (ranked(RENAMED, 0.79, mode="words"), None, True, "without history"),
        (ranked(RENAMED, 0.74, mode="words"), None, False, "below the threshold 0.75"),
        (ranked(RENAMED, 0.92), ranked(REVIEWS, 0.9), False, "ambiguous"),
        (ranked(RENAMED, 0.92), ranked(REVIEWS, 0.85), True, ""),
        (ranked(RENAMED, 0.92, unique=False), None, False, "no selector"),
        (ranked(RENAMED, 0.92, fits_action=False), None, False, "cannot be used"),
        (ranked(RENAMED, 0.92, signals={"identity": 0.3}), None, False, "name"),
        (ranked(RENAMED, 0.92, ambiguity=0.08), None, False, "ambiguous"),
    ],
)
def test_auto_heal_decision(best: Ranked, runner_up: Ranked | None, ok: bool, reason: str) -> None:
    got, why = heal.auto_heal_decision(best, runner_up, "click")
    assert got is ok, why
    assert reason in why


# --------------------------------------------------------------------------- records, selectors


def test_fingerprint_round_trips_through_json() -> None:
    fp = replace(ADD, test_ids=(("data-testid", "add"),), aria=(("aria-label", "Add"),))
    assert Fingerprint.from_dict(fp.to_dict()) == fp
    assert Fingerprint.from_dict({"tag": ""}) is None
    assert Fingerprint.from_dict({"foo": 1}) is None
    odd = Fingerprint.from_dict({"tag": "a", "classes": "x", "index": "2", "box": [1, 2]})
    assert odd == Fingerprint(tag="a")


def test_snapshot_records_give_paths_and_context() -> None:
    recs = [
        {"p": -1, "t": "section", "c": "grid", "cn": 1, "lb": "Products"},
        {"p": 0, "t": "div", "id": "card-1", "c": "card product active", "cn": 1, "lb": "Blue Mug"},
        {"p": 1, "t": "h3", "x": "Blue Mug", "f": 1, "r": "heading"},
        {"p": 1, "t": "div", "c": "actions"},
        {
            "p": 3,
            "t": "button",
            "c": "add-to-cart-btn",
            "x": "Add to cart",
            "r": "button",
            "f": 1,
            "k": 1,
            "b": [1, 2, 3, 4],
            "i": 2,
        },
    ]
    snap = heal.Snapshot.from_json({"recs": recs})
    assert snap.full == [2, 4]
    button = snap.candidate(4)
    assert button.path == ("div.actions", "div#card-1.card.product", "section.grid")
    assert button.context == ("Blue Mug", "Products")
    assert button.name == "Add to cart"
    assert button.index == 2
    assert button.clickable
    assert list(snap.ancestors(4)) == [3, 1, 0]
    assert [r.cand.node for r in heal.rank(ADD, snap, "click")][:1] == [4]


def test_stable_classes_drop_state_and_generated_names() -> None:
    assert heal.stable_classes("btn active css-1x2y3z is-open card sc-abc123 w-100") == (
        "btn",
        "card",
    )


def test_selector_plan_prefers_stable_attributes() -> None:
    c = cand(
        id="buy",
        id_unique=True,
        test_ids=(("data-testid", "buy-button"),),
        test_id_unique=True,
        classes=("product-add-btn", "primary"),
    )
    plan = heal.selector_plan(c)
    assert plan[0] == '[data-testid="buy-button"]'
    assert plan[1] == "#buy"
    assert plan[2].startswith("role=button[name=")
    kinds = [p.split("=")[0].split(".")[0] for p in plan]
    assert kinds.index("text") < kinds.index("button")  # text before classes
    assert not any("internal:" in p for p in plan)
    assert plan[-1] == "button.product-add-btn.primary"


def test_selector_plan_skips_selectors_others_share() -> None:
    recs = [
        {"p": -1, "t": "div", "tid": "x", "ti": {"data-testid": "card-1"}, "tu": 1},
        {"p": 0, "t": "button", "c": "add", "x": "Add", "r": "button", "f": 1, "k": 1},
        {"p": -1, "t": "div", "ti": {"data-testid": "card-2"}, "tu": 1},
        {"p": 2, "t": "button", "c": "add", "x": "Add", "r": "button", "f": 1, "k": 1},
    ]
    snap = heal.Snapshot.from_json({"recs": recs})
    plan = heal.selector_plan(snap.candidate(1), snap, heal.Peers(snap))
    assert plan == ['[data-testid="card-1"] >> role=button[name="Add"]']


def test_describe() -> None:
    assert heal.describe(RENAMED) == 'button "Add to cart" (.product-add-btn)'
    assert heal.describe(cand(test_ids=(("data-testid", "buy"),))) == (
        'button "Add to cart" ([data-testid=buy])'
    )
