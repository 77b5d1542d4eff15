"""HTML for the demo shop, markup version 2 ("the redesign").

The same pages, flows and visible words as ``shop_pages`` (v1), but different
markup everywhere: other ids, classes and data attributes, other element types
(wrapping labels, ``<article>`` product tiles, an ARIA grid for the cart, an
``<input type=submit>`` for Add to cart, a form button for Checkout) and, where
harmless, another DOM order. Selectors written against v1 break here while the
words a person reads stay the same — which is what tests of selector repair and
failure analysis need. The form field *names* are unchanged: the server parses
both versions with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bugbrain.demo.shop_pages import (
    COUNTRIES,
    SHOP_NAME,
    CheckoutForm,
    Line,
    Order,
    Product,
    money,
)

_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{font-size:15px}
body{margin:0;font-family:Georgia,"Times New Roman",serif;background:#fbf8f3;color:#2b2118;
 line-height:1.55}
.topbar{display:flex;flex-direction:row-reverse;align-items:center;justify-content:space-between;
 padding:.9rem 2rem;background:#fff;border-bottom:3px solid #c2562f}
.topbar a{color:#2b2118}
.brand{font-size:1.3rem;font-weight:700;letter-spacing:.02em;text-decoration:none}
.menu{display:flex;gap:1.1rem}
.menu a{text-decoration:none;border-bottom:2px solid transparent}
.menu a:hover{border-bottom-color:#c2562f}
.basket-link{font-weight:700}
.page{max-width:1000px;margin:1.75rem auto;padding:0 2rem}
.page-title{margin:0 0 1rem;font-size:1.9rem}
.button{appearance:none;display:inline-block;border:0;border-radius:999px;padding:.5rem 1.2rem;
 background:#efe6da;color:#2b2118;font:inherit;cursor:pointer;text-decoration:none}
.button:hover{background:#e4d6c3}
.button--primary{background:#c2562f;color:#fff}
.button--primary:hover{background:#a84824}
.panel{background:#fff;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.12);padding:1.75rem;
 max-width:520px}
.field{display:flex;flex-direction:column;gap:.25rem;margin-bottom:.9rem;font-weight:600}
.field input,.field select{font:inherit;font-weight:400;padding:.5rem .7rem;
 border:1px solid #d5c7b5;border-radius:4px;background:#fffdf9}
.toggle{display:flex;gap:.5rem;align-items:center;margin:.5rem 0 1rem}
.form-alert{border-left:4px solid #b3261e;background:#fbe9e7;padding:.6rem 1rem;margin:0 0 1rem}
.notice{border-left:4px solid #2e7d32;background:#e8f3e9;padding:.6rem 1rem;margin:0 0 1rem}
.finder{display:flex;gap:.6rem;margin:0 0 1.25rem}
.finder-input{flex:1;max-width:380px;font:inherit;padding:.5rem .8rem;border:1px solid #d5c7b5;
 border-radius:999px}
.product-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:1.2rem}
.product-tile{background:#fff;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.12);
 padding:1.1rem;display:flex;flex-direction:column;gap:.4rem}
.tile-title{margin:0;font-size:1.15rem}
.tile-cost{color:#c2562f;font-weight:700}
.tile-form{margin:0}
.no-results,.basket-empty{font-style:italic;color:#6d5d4d}
.basket-grid{display:grid;grid-template-columns:3fr 1fr 1fr auto;background:#fff;
 box-shadow:0 1px 4px rgba(0,0,0,.12)}
.basket-grid [role=row]{display:contents}
.basket-grid [role=columnheader],.basket-grid [role=cell]{padding:.6rem .9rem;
 border-bottom:1px solid #eee2d3}
.basket-grid [role=columnheader]{font-weight:700;background:#f4ece1}
.basket-cell-form{margin:0}
.summary{display:flex;align-items:center;justify-content:space-between;margin:1rem 0}
.summary-line{font-size:1.2rem;font-weight:700;margin:0}
.receipt{background:#fff;padding:1.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
.receipt-lines{padding-left:1.2rem}
"""


def page(title: str, body: str, cart_count: int | None) -> str:
    """Wrap ``body`` in the v2 layout; ``cart_count`` is None when signed out.

    The menu comes before the brand in the DOM (the CSS puts it on the right).
    """
    if cart_count is None:
        menu = '<a href="/about" class="menu-about">About</a><a href="/login">Sign in</a>'
    else:
        menu = (
            '<a href="/catalog" class="menu-shop">Catalog</a>'
            '<a href="/about" class="menu-about">About</a>'
            '<a href="/cart" id="nav-basket" class="basket-link" data-qa="basket">'
            f'Cart (<span class="basket-count">{cart_count}</span>)</a>'
            '<a href="/logout" id="nav-signout" class="menu-leave">Sign out</a>'
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)} — {SHOP_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_CSS}</style>
</head>
<body class="shop-v2">
<div class="topbar" role="banner">
<nav class="menu" aria-label="Main">{menu}</nav>
<a href="/" class="brand">{SHOP_NAME}</a>
</div>
<div class="page" role="main">
{body}
</div>
</body>
</html>
"""


def _alert(message: str | None) -> str:
    if not message:
        return ""
    return f'<p class="form-alert" role="alert">{escape(message)}</p>'


def _checked(flag: bool) -> str:
    return " checked" if flag else ""


def login_body(email: str, next_path: str | None, error: str | None) -> str:
    next_field = (
        f'<input type="hidden" name="next" value="{escape(next_path)}">' if next_path else ""
    )
    return f"""<section class="panel signin-panel">
<h1 class="page-title">Sign in</h1>
{_alert(error)}
<form action="/login" method="post" id="signin-form">
<label class="field">Email <input type="email" name="email" id="user-mail" \
placeholder="you@example.com" value="{escape(email)}"></label>
<label class="field">Password <input type="password" name="password" id="user-pass"></label>
<label class="toggle"><input type="checkbox" name="remember" id="keep-signed-in"> \
Remember me</label>
{next_field}
<button id="signin-submit" class="button button--primary" type="submit">Sign in</button>
</form>
</section>"""


def _product_tile(product: Product) -> str:
    sku = escape(product.sku)
    return f"""<article class="product-tile" data-product="{sku}">
<h3 class="tile-title">{escape(product.name)}</h3>
<form action="/cart/add" method="post" class="tile-form">
<input type="hidden" name="sku" value="{sku}">
<input type="submit" class="button product-add-btn" value="Add to cart" data-qa="buy-{sku}">
</form>
<p class="tile-cost">{money(product.price_cents)}</p>
</article>"""


def catalog_body(products: Sequence[Product], query: str, flash: str | None) -> str:
    notice = f'<p class="notice" role="status">{escape(flash)}</p>' if flash else ""
    if products:
        listing = (
            '<div class="product-grid">\n'
            + "\n".join(_product_tile(p) for p in products)
            + "\n</div>"
        )
    else:
        listing = f'<p class="no-results">No products match &quot;{escape(query)}&quot;</p>'
    return f"""<h1 class="page-title">Catalog</h1>
<form action="/catalog" method="get" class="finder" role="search">
<input type="search" name="q" class="finder-input" id="product-query" \
placeholder="Search products" aria-label="Search products" value="{escape(query)}">
<input type="submit" class="button finder-go" value="Search">
</form>
{notice}
{listing}"""


def _basket_row(line: Line) -> str:
    sku = escape(line.product.sku)
    return f"""<div role="row" class="basket-row" data-item="{sku}">
<span role="cell" class="basket-product">{escape(line.product.name)}</span>
<span role="cell" class="basket-qty">{line.quantity}</span>
<span role="cell" class="basket-amount">{money(line.total_cents)}</span>
<span role="cell"><form action="/cart/remove" method="post" class="basket-cell-form">\
<button class="button basket-remove" type="submit" name="sku" value="{sku}">Remove</button>\
</form></span>
</div>"""


def cart_body(lines: Sequence[Line]) -> str:
    if not lines:
        return (
            '<h1 class="page-title">Your cart</h1>\n<p class="basket-empty">Your cart is empty</p>'
        )
    total = sum(line.total_cents for line in lines)
    rows = "\n".join(_basket_row(line) for line in lines)
    return f"""<h1 class="page-title">Your cart</h1>
<div role="table" class="basket-grid" aria-label="Cart contents">
<div role="row" class="basket-head">
<span role="columnheader">Product</span>
<span role="columnheader">Quantity</span>
<span role="columnheader">Price</span>
<span role="columnheader" aria-label="Actions"></span>
</div>
{rows}
</div>
<div class="summary">
<form action="/checkout" method="get" class="proceed-form">
<button type="submit" class="button button--primary" id="go-to-checkout">Checkout</button>
</form>
<p class="summary-line">Total: <strong class="summary-amount">{money(total)}</strong></p>
</div>"""


def _country_options(selected: str) -> str:
    return "\n".join(
        f'<option{" selected" if code == selected else ""} value="{code}">{label}</option>'
        for code, label in COUNTRIES
    )


def checkout_body(form: CheckoutForm, error: str | None) -> str:
    return f"""<section class="panel shipping-panel">
<h1 class="page-title">Checkout</h1>
<form action="/checkout" method="post" id="shipping-form">
{_alert(error)}
<label class="field">Full name <input type="text" name="name" id="ship-fullname" \
value="{escape(form.name)}"></label>
<label class="field">Address <input type="text" name="address" id="ship-street" \
value="{escape(form.address)}"></label>
<label class="field">City <input type="text" name="city" id="ship-town" \
value="{escape(form.city)}"></label>
<label class="field">Country <select name="country" id="ship-land">
{_country_options(form.country)}
</select></label>
<label class="toggle"><input type="checkbox" name="express" id="ship-fast"\
{_checked(form.express)}> Express shipping</label>
<input type="submit" id="confirm-purchase" class="button button--primary" value="Place order">
</form>
</section>"""


def order_body(order: Order) -> str:
    ship = order.shipping
    country = dict(COUNTRIES).get(ship.country, ship.country)
    items = "\n".join(
        f'<li class="receipt-line" data-item="{escape(line.product.sku)}">'
        f"{escape(line.product.name)} &times; {line.quantity} — {money(line.total_cents)}</li>"
        for line in order.lines
    )
    return f"""<section class="receipt">
<h1 class="page-title">Order confirmed</h1>
<p class="receipt-ref">Order number: <strong id="order-ref">{escape(order.order_id)}</strong></p>
<ol class="receipt-lines">
{items}
</ol>
<p class="receipt-total">Total: <strong>{money(order.total_cents)}</strong></p>
<p class="receipt-shipping">Shipping: {"Express" if ship.express else "Standard"}</p>
<address class="receipt-address">Ship to: {escape(ship.name)}, {escape(ship.address)}, \
{escape(ship.city)}, {escape(country)}</address>
<a href="/catalog" class="link-continue">Continue shopping</a>
</section>"""


def about_body() -> str:
    return f"""<article class="about-text">
<h1 class="page-title">About</h1>
<p>{SHOP_NAME} is a tiny demo store bundled with bugbrain. It exists so that browser
tests have a realistic, predictable application to drive: sign in, browse, fill a cart
and check out.</p>
<p>Nothing here is real: no payments are taken and all data lives in memory.</p>
</article>"""


def slow_body(ms: int) -> str:
    return (
        f'<h1 class="page-title">Slow page</h1>\n'
        f'<p class="timing-note">This page took {ms} ms to respond.</p>'
    )


# As in v1 the button is created by script after a delay; only its ids differ.
_DEFERRED_SCRIPT = """<script>
window.setTimeout(function () {
  var holder = document.querySelector("[data-slot=deferred]");
  var action = document.createElement("button");
  action.id = "deferred-action";
  action.className = "button deferred-action";
  action.type = "button";
  action.textContent = "Late button";
  action.addEventListener("click", function () {
    if (holder.querySelector(".deferred-outcome")) { return; }
    var note = document.createElement("p");
    note.className = "deferred-outcome";
    note.textContent = "Clicked late button";
    holder.appendChild(note);
  });
  holder.appendChild(action);
}, 800);
</script>"""


def delayed_body() -> str:
    return f"""<h1 class="page-title">Delayed content</h1>
<p>A button appears here shortly after the page loads.</p>
<section data-slot="deferred" class="deferred-zone"></section>
{_DEFERRED_SCRIPT}"""


def message_body(heading: str, text: str) -> str:
    """Body for simple error pages such as 400 and 404."""
    return (
        f'<h1 class="page-title">{escape(heading)}</h1>\n<p class="status-text">{escape(text)}</p>'
    )
