"""HTTP-level tests of the bundled demo shop (no browser needed)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from bugbrain.demo.shop import DEMO_EMAIL, DEMO_PASSWORD, create_shop_app

# Starlette >= 1.x warns on import when TestClient falls back to plain httpx instead of
# httpx2; the fallback works fine, so silence only that one warning.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient`")
    from starlette.testclient import TestClient


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_shop_app(), follow_redirects=False) as test_client:
        yield test_client


def login(client: TestClient, next_path: str | None = None) -> None:
    data = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    if next_path:
        data["next"] = next_path
    response = client.post("/login", data=data)
    assert response.status_code == 303


def add(client: TestClient, sku: str) -> None:
    response = client.post("/cart/add", data={"sku": sku})
    assert response.status_code == 303
    assert response.headers["location"] == f"/catalog?added={sku}"


CHECKOUT = {"name": "Ada Lovelace", "address": "1 Analytical Way", "city": "London"}


def test_root_redirects_to_login_when_signed_out(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_login_page_has_form(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "<title>Login — Bugbrain Shop</title>" in response.text
    assert "<h1>Sign in</h1>" in response.text
    assert 'id="login-btn"' in response.text
    assert 'id="cart-link"' not in response.text


def test_bad_login_shows_error_and_keeps_email(client: TestClient) -> None:
    response = client.post("/login", data={"email": "x@y.z", "password": "nope"})
    assert response.status_code == 200
    assert '<div class="error" role="alert">Invalid email or password</div>' in response.text
    assert 'value="x@y.z"' in response.text
    assert "set-cookie" not in response.headers


def test_good_login_redirects_to_catalog_then_root_too(client: TestClient) -> None:
    response = client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog"
    assert client.get("/").headers["location"] == "/catalog"


def test_login_honours_local_next_only(client: TestClient) -> None:
    response = client.post(
        "/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "/cart"}
    )
    assert response.headers["location"] == "/cart"
    response = client.post(
        "/login",
        data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "//evil.example"},
    )
    assert response.headers["location"] == "/catalog"


def test_login_required_redirect_carries_next(client: TestClient) -> None:
    for path in ("/catalog", "/cart", "/checkout", "/orders/ORD-1001"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    assert client.post("/cart/add", data={"sku": "blue-mug"}).status_code == 303
    page = client.get("/login?next=/cart")
    assert 'name="next" value="/cart"' in page.text


def test_public_pages_need_no_login(client: TestClient) -> None:
    about = client.get("/about")
    assert about.status_code == 200
    assert "<title>About — Bugbrain Shop</title>" in about.text
    delayed = client.get("/delayed")
    assert delayed.status_code == 200
    # The late button must not be in the served HTML: only the inline script creates it.
    assert "<button" not in delayed.text
    assert '"late-btn"' in delayed.text
    assert client.get("/health").json() == {"status": "ok"}


def test_logout_clears_session(client: TestClient) -> None:
    login(client)
    assert client.get("/logout").headers["location"] == "/login"
    assert client.get("/catalog").status_code == 303


def test_catalog_lists_products(client: TestClient) -> None:
    login(client)
    page = client.get("/catalog").text
    assert "<h1>Catalog</h1>" in page
    assert page.count('class="product-card"') == 6
    assert 'data-testid="add-to-cart-blue-mug"' in page
    assert '<span class="price">$8.50</span>' in page
    assert "Cart (0)" in page


def test_add_to_cart_updates_count_and_flash(client: TestClient) -> None:
    login(client)
    add(client, "blue-mug")
    add(client, "blue-mug")
    page = client.get("/catalog?added=blue-mug").text
    assert '<div class="flash" role="status">Added Blue Mug to cart</div>' in page
    assert "Cart (2)" in page


def test_add_unknown_sku_is_400(client: TestClient) -> None:
    login(client)
    assert client.post("/cart/add", data={"sku": "nope"}).status_code == 400


def test_cart_totals(client: TestClient) -> None:
    login(client)
    add(client, "blue-mug")
    add(client, "red-mug")
    add(client, "green-tea")
    page = client.get("/cart").text
    assert "<h1>Your cart</h1>" in page
    assert page.count('class="cart-item"') == 3
    assert '<p class="cart-total">Total: $32.50</p>' in page
    assert 'id="checkout"' in page


def test_remove_from_cart(client: TestClient) -> None:
    login(client)
    add(client, "blue-mug")
    response = client.post("/cart/remove", data={"sku": "blue-mug"})
    assert response.headers["location"] == "/cart"
    page = client.get("/cart").text
    assert '<p class="empty">Your cart is empty</p>' in page
    assert 'id="checkout"' not in page
    assert client.get("/checkout").headers["location"] == "/cart"


def test_search_filters_by_name(client: TestClient) -> None:
    login(client)
    page = client.get("/catalog", params={"q": "mug"}).text
    assert page.count('class="product-card"') == 2
    assert 'data-sku="blue-mug"' in page
    assert 'data-sku="green-tea"' not in page
    assert 'value="mug"' in page


def test_checkout_validation_names_first_missing_field(client: TestClient) -> None:
    login(client)
    add(client, "blue-mug")
    assert "<h1>Checkout</h1>" in client.get("/checkout").text
    response = client.post("/checkout", data={"name": "", "address": "Main St", "city": ""})
    assert response.status_code == 200
    assert '<div class="error" role="alert">Full name is required</div>' in response.text
    assert 'value="Main St"' in response.text
    response = client.post("/checkout", data={"name": "Ada", "address": "", "city": ""})
    assert "Address is required" in response.text


def test_successful_order(client: TestClient) -> None:
    login(client)
    add(client, "blue-mug")
    add(client, "notebook")
    response = client.post("/checkout", data={**CHECKOUT, "country": "de", "express": "on"})
    assert response.status_code == 303
    assert response.headers["location"] == "/orders/ORD-1001"
    page = client.get("/orders/ORD-1001").text
    assert "<h1>Order confirmed</h1>" in page
    assert '<p class="order-number">Order number: ORD-1001</p>' in page
    assert "Total: $18.00" in page
    assert "Express" in page
    assert "Cart (0)" in page
    assert '<p class="empty">Your cart is empty</p>' in client.get("/cart").text

    add(client, "pen-set")
    response = client.post("/checkout", data=CHECKOUT)
    assert response.headers["location"] == "/orders/ORD-1002"
    assert "Standard" in client.get("/orders/ORD-1002").text


def test_unknown_order_is_404(client: TestClient) -> None:
    login(client)
    assert client.get("/orders/ORD-9999").status_code == 404


def test_escapes_user_input(client: TestClient) -> None:
    response = client.post("/login", data={"email": '"><script>x</script>', "password": ""})
    assert "<script>x</script>" not in response.text


def test_slow_bounds(client: TestClient) -> None:
    response = client.get("/slow?ms=0")
    assert response.status_code == 200
    assert "<h1>Slow page</h1>" in response.text
    for bad in ("-1", "abc", "60001"):
        assert client.get(f"/slow?ms={bad}").status_code == 400


def test_each_app_has_fresh_state() -> None:
    with TestClient(create_shop_app(), follow_redirects=False) as first:
        login(first)
        add(first, "blue-mug")
        first.post("/checkout", data=CHECKOUT)
    with TestClient(create_shop_app(), follow_redirects=False) as second:
        login(second)
        assert second.get("/orders/ORD-1001").status_code == 404


# --- markup version 2 ------------------------------------------------------------------
# v2 serves the same pages, flows and visible words as v1 with different markup.


class _Markup(HTMLParser):
    """Collects what a person sees (words, incl. button-like input values and the
    title) and what selectors hook onto (ids, classes, data-testid values)."""

    _HIDDEN = frozenset({"script", "style"})
    _INLINE = frozenset({"a", "span", "strong", "em", "b", "i"})

    def __init__(self) -> None:
        super().__init__()
        self._text: list[str] = []
        self.ids: set[str] = set()
        self.classes: set[str] = set()
        self.testids: set[str] = set()
        self.tags: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self._INLINE:
            self._text.append(" ")
        attr = {key: value or "" for key, value in attrs}
        if tag in self._HIDDEN:
            self._skip += 1
        if "id" in attr:
            self.ids.add(attr["id"])
        self.classes.update(attr.get("class", "").split())
        if "data-testid" in attr:
            self.testids.add(attr["data-testid"])
        if tag == "input" and attr.get("type") in ("submit", "button"):
            self._text.append(f" {attr.get('value', '')} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._skip -= 1
        if tag not in self._INLINE:
            self._text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text.append(data)

    @property
    def words(self) -> list[str]:
        return "".join(self._text).split()


def markup(html: str) -> _Markup:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser


def visible_words(html: str) -> list[str]:
    """Sorted, so a harmless change of DOM order does not count."""
    return sorted(markup(html).words)


def _flow(client: TestClient) -> dict[str, str]:
    """Every page of the shop, reached through the same requests, keyed by a name."""
    pages: dict[str, str] = {}

    def grab(name: str, response: Any) -> None:
        pages[name] = response.text

    grab("login", client.get("/login"))
    grab("login_next", client.get("/login?next=/cart"))
    grab("login_error", client.post("/login", data={"email": "x@y.z", "password": "nope"}))
    grab("about_signed_out", client.get("/about"))
    grab("delayed", client.get("/delayed"))
    grab("not_found", client.get("/nope"))
    grab("slow", client.get("/slow?ms=0"))
    grab("slow_bad", client.get("/slow?ms=abc"))
    login(client)
    grab("catalog", client.get("/catalog"))
    grab("search", client.get("/catalog", params={"q": "mug"}))
    grab("search_empty", client.get("/catalog", params={"q": "zzz"}))
    grab("cart_empty", client.get("/cart"))
    add(client, "blue-mug")
    add(client, "blue-mug")
    add(client, "green-tea")
    grab("catalog_added", client.get("/catalog?added=green-tea"))
    grab("cart", client.get("/cart"))
    grab("checkout", client.get("/checkout"))
    grab("checkout_error", client.post("/checkout", data={"name": "", "city": "Paris"}))
    response = client.post("/checkout", data={**CHECKOUT, "country": "fr", "express": "on"})
    assert response.headers["location"] == "/orders/ORD-1001"
    grab("order", client.get("/orders/ORD-1001"))
    grab("about", client.get("/about"))
    grab("bad_sku", client.post("/cart/add", data={"sku": "nope"}))
    return pages


@pytest.fixture
def client_v2() -> Iterator[TestClient]:
    with TestClient(create_shop_app("v2"), follow_redirects=False) as test_client:
        yield test_client


def test_unknown_variant_is_rejected() -> None:
    with pytest.raises(ValueError, match="v3"):
        create_shop_app("v3")


def test_v2_pages_show_the_same_words_with_different_markup() -> None:
    with TestClient(create_shop_app("v1"), follow_redirects=False) as one:
        v1 = _flow(one)
    with TestClient(create_shop_app("v2"), follow_redirects=False) as two:
        v2 = _flow(two)
    assert v1.keys() == v2.keys()
    for name in v1:
        old, new = markup(v1[name]), markup(v2[name])
        assert visible_words(v1[name]) == visible_words(v2[name]), name
        assert old.ids.isdisjoint(new.ids), (name, old.ids & new.ids)
        assert old.classes.isdisjoint(new.classes), (name, old.classes & new.classes)
        assert old.testids.isdisjoint(new.testids), name
        assert v1[name] != v2[name], name


def test_v2_keeps_status_codes_and_redirects(client_v2: TestClient) -> None:
    assert client_v2.get("/").headers["location"] == "/login"
    assert client_v2.get("/nope").status_code == 404
    assert client_v2.get("/catalog").headers["location"] == "/login?next=/catalog"
    response = client_v2.post(
        "/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": "/cart"}
    )
    assert response.headers["location"] == "/cart"
    assert client_v2.post("/cart/add", data={"sku": "nope"}).status_code == 400
    assert client_v2.get("/orders/ORD-9999").status_code == 404
    assert client_v2.get("/checkout").headers["location"] == "/cart"


def test_v2_login_markup(client_v2: TestClient) -> None:
    page = client_v2.get("/login").text
    assert "<title>Login — Bugbrain Shop</title>" in page
    assert 'id="user-mail"' in page
    assert 'id="signin-submit"' in page
    assert 'id="email"' not in page
    assert 'id="login-btn"' not in page
    assert "for=" not in page  # wrapping labels instead
    assert '<label class="field">Email <input' in page
    error = client_v2.post("/login", data={"email": "x@y.z", "password": "nope"}).text
    assert '<p class="form-alert" role="alert">Invalid email or password</p>' in error
    assert 'value="x@y.z"' in error


def test_v2_catalog_markup(client_v2: TestClient) -> None:
    login(client_v2)
    add(client_v2, "blue-mug")
    page = client_v2.get("/catalog?added=blue-mug").text
    parsed = markup(page)
    assert page.count('<article class="product-tile"') == 6
    assert "<li" not in page
    assert 'class="button product-add-btn" value="Add to cart"' in page
    assert "add-to-cart" not in page
    assert "<button" not in page
    assert '<p class="notice" role="status">Added Blue Mug to cart</p>' in page
    assert 'Cart (<span class="basket-count">1</span>)' in page
    assert parsed.testids == set()
    search = client_v2.get("/catalog", params={"q": "mug"}).text
    assert search.count('class="product-tile"') == 2
    assert 'data-product="red-mug"' in search


def test_v2_cart_checkout_and_order(client_v2: TestClient) -> None:
    login(client_v2)
    add(client_v2, "blue-mug")
    add(client_v2, "red-mug")
    add(client_v2, "green-tea")
    cart = client_v2.get("/cart").text
    assert "<table" not in cart
    assert '<div role="table" class="basket-grid"' in cart
    assert cart.count('class="basket-row"') == 3
    assert 'Total: <strong class="summary-amount">$32.50</strong>' in cart
    assert 'id="go-to-checkout"' in cart
    assert '<form action="/checkout" method="get"' in cart
    # The remove button carries the sku itself.
    assert 'name="sku" value="red-mug">Remove</button>' in cart
    assert client_v2.post("/cart/remove", data={"sku": "red-mug"}).headers["location"] == "/cart"
    assert client_v2.get("/cart").text.count('class="basket-row"') == 2

    checkout = client_v2.get("/checkout").text
    assert 'id="ship-fullname"' in checkout
    assert 'id="name"' not in checkout
    assert 'value="Place order"' in checkout
    response = client_v2.post("/checkout", data={**CHECKOUT, "country": "ca"})
    assert response.headers["location"] == "/orders/ORD-1001"
    order = client_v2.get("/orders/ORD-1001").text
    assert 'Order number: <strong id="order-ref">ORD-1001</strong>' in order
    assert '<ol class="receipt-lines">' in order
    assert "Shipping: Standard" in order
    assert "London, Canada</address>" in order
    assert '<p class="basket-empty">Your cart is empty</p>' in client_v2.get("/cart").text


def test_v2_delayed_button_is_still_added_by_script(client_v2: TestClient) -> None:
    page = client_v2.get("/delayed").text
    assert "<button" not in page
    assert '"deferred-action"' in page
    assert "late-btn" not in page


def test_v1_is_the_default_variant() -> None:
    with (
        TestClient(create_shop_app(), follow_redirects=False) as default,
        TestClient(create_shop_app("v1"), follow_redirects=False) as explicit,
    ):
        assert default.get("/login").text == explicit.get("/login").text
        assert 'id="login-btn"' in default.get("/login").text
