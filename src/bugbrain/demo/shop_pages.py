"""HTML for the demo shop.

Plain f-strings keep the markup easy to read next to the selectors the demo tests use.
Every value that can come from a user goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

SHOP_NAME = "Bugbrain Shop"

COUNTRIES: tuple[tuple[str, str], ...] = (
    ("us", "United States"),
    ("ca", "Canada"),
    ("de", "Germany"),
    ("fr", "France"),
)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_cents: int


@dataclass(frozen=True)
class Line:
    """One product in a cart or an order."""

    product: Product
    quantity: int

    @property
    def total_cents(self) -> int:
        return self.product.price_cents * self.quantity


@dataclass(frozen=True)
class CheckoutForm:
    name: str = ""
    address: str = ""
    city: str = ""
    country: str = "us"
    express: bool = False


@dataclass(frozen=True)
class Order:
    order_id: str
    lines: tuple[Line, ...]
    shipping: CheckoutForm

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


def money(cents: int) -> str:
    # Integer cents avoid float rounding surprises in totals.
    return f"${cents // 100}.{cents % 100:02d}"


_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
 background:#f5f6f8;color:#1f2430;line-height:1.5}
.site-header{background:#1f2a44;color:#fff;padding:.75rem 1.5rem;display:flex;
 align-items:center;justify-content:space-between}
.site-header a{color:#fff;text-decoration:none}
.site-header nav a{margin-left:1.25rem}
.shop-name{font-weight:700;font-size:1.2rem}
main{max-width:960px;margin:2rem auto;padding:0 1.5rem}
h1{margin-top:0}
.btn{display:inline-block;border:1px solid #c9ced8;background:#fff;color:#1f2430;
 padding:.45rem .9rem;border-radius:6px;font:inherit;cursor:pointer;text-decoration:none}
.btn:hover{background:#eef0f4}
.btn-primary,.checkout-btn{background:#2f6fed;border-color:#2f6fed;color:#fff}
.btn-primary:hover,.checkout-btn:hover{background:#2459c4}
.card{background:#fff;border:1px solid #e1e4ea;border-radius:10px;padding:1.5rem;max-width:480px}
.stacked label{display:block;margin-top:.75rem;font-weight:500}
.stacked input[type=email],.stacked input[type=password],.stacked input[type=text],
.stacked select{width:100%;padding:.45rem .6rem;border:1px solid #c9ced8;border-radius:6px;
 font:inherit;background:#fff}
.checkbox-row{margin:.75rem 0;display:flex;align-items:center;gap:.4rem}
.checkbox-row label{margin:0;font-weight:400}
.stacked .btn{margin-top:1rem}
.error{background:#fdecea;border:1px solid #f5c2bd;color:#8a1c12;padding:.6rem .9rem;
 border-radius:6px;margin-bottom:1rem}
.flash{background:#e8f5ec;border:1px solid #b7dfc3;color:#1d5e33;padding:.6rem .9rem;
 border-radius:6px;margin-bottom:1rem}
.search{display:flex;gap:.5rem;margin-bottom:1.25rem}
.search input{flex:1;max-width:360px;padding:.45rem .6rem;border:1px solid #c9ced8;
 border-radius:6px;font:inherit}
.product-list{list-style:none;padding:0;margin:0;display:grid;
 grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:1rem}
.product-card{background:#fff;border:1px solid #e1e4ea;border-radius:10px;padding:1rem;
 display:flex;flex-direction:column;gap:.5rem}
.product-name{font-size:1.1rem;margin:0}
.price{font-weight:600;color:#2f6fed}
.cart-table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #e1e4ea}
.cart-table th,.cart-table td{padding:.6rem .8rem;border-bottom:1px solid #e1e4ea;text-align:left}
.cart-table form{margin:0}
.cart-total{font-size:1.15rem;font-weight:600}
.empty{color:#5b6375}
"""


def page(title: str, body: str, cart_count: int | None) -> str:
    """Wrap ``body`` in the shared layout; ``cart_count`` is None when signed out."""
    if cart_count is None:
        nav = '<a href="/about">About</a><a href="/login">Sign in</a>'
    else:
        nav = (
            '<a href="/catalog">Catalog</a><a href="/about">About</a>'
            f'<a href="/cart" id="cart-link" class="cart-link">Cart ({cart_count})</a>'
            '<a href="/logout" id="logout-link">Sign out</a>'
        )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — {SHOP_NAME}</title>
<style>{_CSS}</style>
</head>
<body>
<header class="site-header">
<a href="/" class="shop-name">{SHOP_NAME}</a>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def _error(message: str | None) -> str:
    if not message:
        return ""
    return f'<div class="error" role="alert">{escape(message)}</div>'


def _checked(flag: bool) -> str:
    return " checked" if flag else ""


def login_body(email: str, next_path: str | None, error: str | None) -> str:
    next_field = (
        f'<input type="hidden" name="next" value="{escape(next_path)}">' if next_path else ""
    )
    return f"""<div class="card">
<h1>Sign in</h1>
{_error(error)}
<form method="post" action="/login" class="stacked">
{next_field}
<label for="email">Email</label>
<input id="email" name="email" type="email" placeholder="you@example.com" value="{escape(email)}">
<label for="password">Password</label>
<input id="password" name="password" type="password">
<div class="checkbox-row">
<input type="checkbox" id="remember" name="remember"> <label for="remember">Remember me</label>
</div>
<button type="submit" id="login-btn" class="btn btn-primary">Sign in</button>
</form>
</div>"""


def _product_card(product: Product) -> str:
    sku = escape(product.sku)
    return f"""<li class="product-card" data-sku="{sku}">
<h2 class="product-name">{escape(product.name)}</h2>
<span class="price">{money(product.price_cents)}</span>
<form method="post" action="/cart/add">
<input type="hidden" name="sku" value="{sku}">
<button type="submit" class="btn add-to-cart-btn" data-testid="add-to-cart-{sku}">\
Add to cart</button>
</form>
</li>"""


def catalog_body(products: Sequence[Product], query: str, flash: str | None) -> str:
    flash_html = f'<div class="flash" role="status">{escape(flash)}</div>' if flash else ""
    if products:
        listing = (
            '<ul class="product-list">\n'
            + "\n".join(_product_card(p) for p in products)
            + "\n</ul>"
        )
    else:
        listing = f'<p class="empty">No products match &quot;{escape(query)}&quot;</p>'
    return f"""<h1>Catalog</h1>
{flash_html}
<form method="get" action="/catalog" class="search" role="search">
<input name="q" placeholder="Search products" aria-label="Search products" value="{escape(query)}">
<button type="submit" class="btn search-btn">Search</button>
</form>
{listing}"""


def _cart_row(line: Line) -> str:
    sku = escape(line.product.sku)
    return f"""<tr class="cart-item" data-sku="{sku}">
<td class="item-name">{escape(line.product.name)}</td>
<td class="item-qty">{line.quantity}</td>
<td class="item-price">{money(line.total_cents)}</td>
<td><form method="post" action="/cart/remove">
<input type="hidden" name="sku" value="{sku}">
<button type="submit" class="btn remove-btn" data-testid="remove-{sku}">Remove</button>
</form></td>
</tr>"""


def cart_body(lines: Sequence[Line]) -> str:
    if not lines:
        return '<h1>Your cart</h1>\n<p class="empty">Your cart is empty</p>'
    total = sum(line.total_cents for line in lines)
    rows = "\n".join(_cart_row(line) for line in lines)
    return f"""<h1>Your cart</h1>
<table class="cart-table">
<thead><tr>
<th>Product</th><th>Quantity</th><th>Price</th><th aria-label="Actions"></th>
</tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="cart-total">Total: {money(total)}</p>
<a href="/checkout" class="btn checkout-btn" id="checkout">Checkout</a>"""


def _country_options(selected: str) -> str:
    return "\n".join(
        f'<option value="{code}"{" selected" if code == selected else ""}>{label}</option>'
        for code, label in COUNTRIES
    )


def checkout_body(form: CheckoutForm, error: str | None) -> str:
    return f"""<div class="card">
<h1>Checkout</h1>
{_error(error)}
<form method="post" action="/checkout" class="stacked">
<label for="name">Full name</label>
<input id="name" name="name" type="text" value="{escape(form.name)}">
<label for="address">Address</label>
<input id="address" name="address" type="text" value="{escape(form.address)}">
<label for="city">City</label>
<input id="city" name="city" type="text" value="{escape(form.city)}">
<label for="country">Country</label>
<select id="country" name="country">
{_country_options(form.country)}
</select>
<div class="checkbox-row">
<input type="checkbox" id="express" name="express"{_checked(form.express)}> \
<label for="express">Express shipping</label>
</div>
<button type="submit" id="place-order" class="btn btn-primary">Place order</button>
</form>
</div>"""


def order_body(order: Order) -> str:
    ship = order.shipping
    country = dict(COUNTRIES).get(ship.country, ship.country)
    items = "\n".join(
        f'<li class="order-item" data-sku="{escape(line.product.sku)}">'
        f"{escape(line.product.name)} &times; {line.quantity} — {money(line.total_cents)}</li>"
        for line in order.lines
    )
    return f"""<h1>Order confirmed</h1>
<p class="order-number">Order number: {escape(order.order_id)}</p>
<ul class="order-items">
{items}
</ul>
<p class="order-total cart-total">Total: {money(order.total_cents)}</p>
<p class="shipping">Shipping: {"Express" if ship.express else "Standard"}</p>
<p class="ship-to">Ship to: {escape(ship.name)}, {escape(ship.address)}, \
{escape(ship.city)}, {escape(country)}</p>
<a href="/catalog" class="btn">Continue shopping</a>"""


def about_body() -> str:
    return f"""<h1>About</h1>
<p>{SHOP_NAME} is a tiny demo store bundled with bugbrain. It exists so that browser
tests have a realistic, predictable application to drive: sign in, browse, fill a cart
and check out.</p>
<p>Nothing here is real: no payments are taken and all data lives in memory.</p>"""


def slow_body(ms: int) -> str:
    return f'<h1>Slow page</h1>\n<p class="slow-info">This page took {ms} ms to respond.</p>'


# The button is added by script on purpose, so tests exercise waiting for late elements.
_DELAYED_SCRIPT = """<script>
setTimeout(function () {
  var slot = document.getElementById("late-slot");
  var button = document.createElement("button");
  button.id = "late-btn";
  button.className = "btn";
  button.textContent = "Late button";
  button.addEventListener("click", function () {
    if (document.getElementById("late-result")) { return; }
    var result = document.createElement("p");
    result.id = "late-result";
    result.textContent = "Clicked late button";
    slot.appendChild(result);
  });
  slot.appendChild(button);
}, 800);
</script>"""


def delayed_body() -> str:
    return f"""<h1>Delayed content</h1>
<p>A button appears here shortly after the page loads.</p>
<div id="late-slot"></div>
{_DELAYED_SCRIPT}"""


def message_body(heading: str, text: str) -> str:
    """Body for simple error pages such as 400 and 404."""
    return f'<h1>{escape(heading)}</h1>\n<p class="message">{escape(text)}</p>'
