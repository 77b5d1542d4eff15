"""The bundled demo shop: the application under test for bugbrain's demo and browser tests.

Everything is server-rendered and kept in memory so runs are fast and deterministic.
Each ``create_shop_app()`` call gets its own state, so tests never leak into each other.

Two markup versions serve the same pages, flows and visible words: ``v1`` (the
original, ``shop_pages``) and ``v2`` (a redesign with other ids, classes and
element types, ``shop_pages_v2``), so tests can run one suite against both.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, quote

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bugbrain.demo import shop_pages, shop_pages_v2
from bugbrain.demo.shop_pages import COUNTRIES, CheckoutForm, Line, Order, Product

DEMO_EMAIL = "demo@bugbrain.dev"
DEMO_PASSWORD = "demo123"  # noqa: S105 - public demo credentials, documented on purpose

SESSION_COOKIE = "bugbrain_shop_session"
REMEMBER_ME_SECONDS = 30 * 24 * 3600
SLOW_DEFAULT_MS = 3000
SLOW_MAX_MS = 60_000
FIRST_ORDER_NUMBER = 1001

PRODUCTS: tuple[Product, ...] = (
    Product("blue-mug", "Blue Mug", 1200),
    Product("red-mug", "Red Mug", 1200),
    Product("green-tea", "Green Tea", 850),
    Product("coffee-beans", "Coffee Beans", 1500),
    Product("notebook", "Notebook", 600),
    Product("pen-set", "Pen Set", 900),
)
PRODUCTS_BY_SKU = {product.sku: product for product in PRODUCTS}

# Required checkout fields in the order their errors are reported.
_REQUIRED_FIELDS = (("name", "Full name"), ("address", "Address"), ("city", "City"))

Handler = Callable[[Request], Awaitable[Response]]


class ShopPages(Protocol):
    """What a markup version provides (``shop_pages`` and ``shop_pages_v2`` are modules)."""

    def page(self, title: str, body: str, cart_count: int | None) -> str: ...
    def login_body(self, email: str, next_path: str | None, error: str | None) -> str: ...
    def catalog_body(self, products: Sequence[Product], query: str, flash: str | None) -> str: ...
    def cart_body(self, lines: Sequence[Line]) -> str: ...
    def checkout_body(self, form: CheckoutForm, error: str | None) -> str: ...
    def order_body(self, order: Order) -> str: ...
    def about_body(self) -> str: ...
    def slow_body(self, ms: int) -> str: ...
    def delayed_body(self) -> str: ...
    def message_body(self, heading: str, text: str) -> str: ...


VARIANTS: dict[str, ShopPages] = {"v1": shop_pages, "v2": shop_pages_v2}


@dataclass
class Session:
    email: str
    cart: dict[str, int] = field(default_factory=dict)  # sku -> quantity, in add order


AuthedHandler = Callable[[Request, Session], Awaitable[Response]]


class ShopState:
    """All mutable shop data. Uvicorn may serve requests from several threads, hence the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._orders: dict[str, Order] = {}
        self._next_order = FIRST_ORDER_NUMBER

    def login(self, email: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = Session(email=email)
        return token

    def logout(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._sessions.pop(token, None)

    def session(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            return self._sessions.get(token)

    def cart_count(self, session: Session) -> int:
        with self._lock:
            return sum(session.cart.values())

    def add_to_cart(self, session: Session, sku: str) -> None:
        with self._lock:
            session.cart[sku] = session.cart.get(sku, 0) + 1

    def remove_from_cart(self, session: Session, sku: str) -> None:
        with self._lock:
            session.cart.pop(sku, None)

    def cart_lines(self, session: Session) -> list[Line]:
        with self._lock:
            return [Line(PRODUCTS_BY_SKU[sku], qty) for sku, qty in session.cart.items()]

    def place_order(self, session: Session, shipping: CheckoutForm) -> Order | None:
        """Turn the cart into an order; None if the cart was empty."""
        with self._lock:
            if not session.cart:
                return None
            lines = tuple(Line(PRODUCTS_BY_SKU[sku], qty) for sku, qty in session.cart.items())
            order = Order(f"ORD-{self._next_order}", lines, shipping)
            self._next_order += 1
            self._orders[order.order_id] = order
            session.cart.clear()
            return order

    def order(self, order_id: str) -> Order | None:
        with self._lock:
            return self._orders.get(order_id)


async def _read_form(request: Request) -> dict[str, str]:
    # python-multipart is deliberately not a dependency, so parse urlencoded bodies by hand.
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


def _safe_next(candidate: str | None) -> str | None:
    """Only local paths are allowed; '//host' and '/\\host' would be open redirects."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return None
    return candidate


def _credentials_ok(email: str, password: str) -> bool:
    email_ok = email.strip().lower() == DEMO_EMAIL
    password_ok = secrets.compare_digest(password.encode(), DEMO_PASSWORD.encode())
    return email_ok and password_ok


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _parse_slow_ms(raw: str | None) -> int | None:
    if raw is None:
        return SLOW_DEFAULT_MS
    try:
        ms = int(raw)
    except ValueError:
        return None
    return ms if 0 <= ms <= SLOW_MAX_MS else None


def _checkout_form(form: dict[str, str]) -> CheckoutForm:
    return CheckoutForm(
        name=form.get("name", "").strip(),
        address=form.get("address", "").strip(),
        city=form.get("city", "").strip(),
        country=form.get("country", "us"),
        express="express" in form,
    )


def _checkout_error(form: CheckoutForm) -> str | None:
    for attr, label in _REQUIRED_FIELDS:
        if not getattr(form, attr):
            return f"{label} is required"
    if form.country not in dict(COUNTRIES):
        return "Please choose a country"
    return None


class _ShopApp:
    """Route handlers bound to one ShopState and one markup version."""

    def __init__(self, state: ShopState, pages: ShopPages) -> None:
        self.state = state
        self.pages = pages

    # --- helpers -------------------------------------------------------------------------

    def _current_session(self, request: Request) -> Session | None:
        return self.state.session(request.cookies.get(SESSION_COOKIE))

    def _html(
        self, session: Session | None, title: str, body: str, status_code: int = 200
    ) -> HTMLResponse:
        count = None if session is None else self.state.cart_count(session)
        return HTMLResponse(self.pages.page(title, body, count), status_code=status_code)

    def _login_required(self, handler: AuthedHandler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request) -> Response:
            session = self._current_session(request)
            if session is None:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return _redirect("/login?next=" + quote(target, safe="/"))
            return await handler(request, session)

        return wrapper

    # --- public pages --------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return _redirect("/catalog" if self._current_session(request) else "/login")

    async def login_page(self, request: Request) -> Response:
        next_path = _safe_next(request.query_params.get("next"))
        body = self.pages.login_body("", next_path, None)
        return self._html(self._current_session(request), "Login", body)

    async def login_submit(self, request: Request) -> Response:
        form = await _read_form(request)
        email = form.get("email", "").strip()
        next_path = _safe_next(form.get("next"))
        if not _credentials_ok(email, form.get("password", "")):
            body = self.pages.login_body(email, next_path, "Invalid email or password")
            return self._html(None, "Login", body)
        response = _redirect(next_path or "/catalog")
        max_age = REMEMBER_ME_SECONDS if "remember" in form else None
        token = self.state.login(email)
        response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax")
        return response

    async def logout(self, request: Request) -> Response:
        self.state.logout(request.cookies.get(SESSION_COOKIE))
        response = _redirect("/login")
        response.delete_cookie(SESSION_COOKIE)
        return response

    async def about(self, request: Request) -> Response:
        return self._html(self._current_session(request), "About", self.pages.about_body())

    async def slow(self, request: Request) -> Response:
        session = self._current_session(request)
        ms = _parse_slow_ms(request.query_params.get("ms"))
        if ms is None:
            text = f"ms must be an integer between 0 and {SLOW_MAX_MS}"
            return self._html(
                session, "Bad request", self.pages.message_body("Bad request", text), 400
            )
        await asyncio.sleep(ms / 1000)  # the whole point of this page
        return self._html(session, "Slow page", self.pages.slow_body(ms))

    async def delayed(self, request: Request) -> Response:
        return self._html(self._current_session(request), "Delayed", self.pages.delayed_body())

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def not_found(self, request: Request, exc: Exception) -> Response:
        body = self.pages.message_body("Page not found", "There is nothing at this address.")
        return self._html(self._current_session(request), "Not found", body, 404)

    # --- pages behind login --------------------------------------------------------------

    async def catalog(self, request: Request, session: Session) -> Response:
        query = request.query_params.get("q", "").strip()
        products = [p for p in PRODUCTS if query.lower() in p.name.lower()]
        added = PRODUCTS_BY_SKU.get(request.query_params.get("added", ""))
        flash = f"Added {added.name} to cart" if added else None
        return self._html(session, "Catalog", self.pages.catalog_body(products, query, flash))

    async def cart_add(self, request: Request, session: Session) -> Response:
        sku = (await _read_form(request)).get("sku", "")
        if sku not in PRODUCTS_BY_SKU:
            body = self.pages.message_body("Bad request", "Unknown product.")
            return self._html(session, "Bad request", body, 400)
        self.state.add_to_cart(session, sku)
        return _redirect("/catalog?added=" + quote(sku))

    async def cart_remove(self, request: Request, session: Session) -> Response:
        self.state.remove_from_cart(session, (await _read_form(request)).get("sku", ""))
        return _redirect("/cart")

    async def cart(self, request: Request, session: Session) -> Response:
        return self._html(session, "Cart", self.pages.cart_body(self.state.cart_lines(session)))

    async def checkout_page(self, request: Request, session: Session) -> Response:
        if self.state.cart_count(session) == 0:
            return _redirect("/cart")
        return self._html(session, "Checkout", self.pages.checkout_body(CheckoutForm(), None))

    async def checkout_submit(self, request: Request, session: Session) -> Response:
        if self.state.cart_count(session) == 0:
            return _redirect("/cart")
        shipping = _checkout_form(await _read_form(request))
        error = _checkout_error(shipping)
        if error:
            return self._html(session, "Checkout", self.pages.checkout_body(shipping, error))
        order = self.state.place_order(session, shipping)
        if order is None:
            return _redirect("/cart")
        return _redirect(f"/orders/{order.order_id}")

    async def order(self, request: Request, session: Session) -> Response:
        order = self.state.order(str(request.path_params["order_id"]))
        if order is None:
            raise HTTPException(status_code=404)
        return self._html(session, "Order confirmed", self.pages.order_body(order))

    def routes(self) -> list[Route]:
        auth = self._login_required
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login_submit, methods=["POST"]),
            Route("/logout", self.logout, methods=["GET"]),
            Route("/about", self.about, methods=["GET"]),
            Route("/slow", self.slow, methods=["GET"]),
            Route("/delayed", self.delayed, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
            Route("/catalog", auth(self.catalog), methods=["GET"]),
            Route("/cart", auth(self.cart), methods=["GET"]),
            Route("/cart/add", auth(self.cart_add), methods=["POST"]),
            Route("/cart/remove", auth(self.cart_remove), methods=["POST"]),
            Route("/checkout", auth(self.checkout_page), methods=["GET"]),
            Route("/checkout", auth(self.checkout_submit), methods=["POST"]),
            Route("/orders/{order_id}", auth(self.order), methods=["GET"]),
        ]


def create_shop_app(variant: str = "v1") -> Starlette:
    """A fresh shop with its own empty state, rendering markup version ``variant``."""
    pages = VARIANTS.get(variant)
    if pages is None:
        raise ValueError(f"unknown shop variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    shop = _ShopApp(ShopState(), pages)
    return Starlette(routes=shop.routes(), exception_handlers={404: shop.not_found})


def run_shop(host: str = "127.0.0.1", port: int = 8001, variant: str = "v1") -> None:
    """Serve the shop until interrupted (blocking)."""
    uvicorn.run(create_shop_app(variant), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    run_shop()
