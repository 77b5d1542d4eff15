"""HTTP-level tests of the bundled demo shop (no browser needed)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

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
