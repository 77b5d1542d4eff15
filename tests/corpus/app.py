"""Small pages that make tests fail in known ways, served on loopback.

Each page is the "new version" of an application a test was written against:
a renamed class, a moved button, an overlay, a 500 from an API, a script that
throws, a redirect to the login page, … ``scenarios.py`` holds the tests that
fail on them and the failure category each one must be classified as.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

EMAIL = "ada@example.com"
PASSWORD = "secret"

STYLE = """<style>
body { font-family: sans-serif; margin: 2rem; }
.spinner { width: 32px; height: 32px; border: 4px solid #ccc; border-top-color: #333;
  border-radius: 50%; }
</style>"""


def page(title: str, body: str, head: str = "") -> str:
    return f"<!doctype html><html><head><title>{title}</title>{STYLE}{head}</head><body>{body}</body></html>"


def shop_card(button: str) -> str:
    return f"""<h1>Catalog</h1>
<div class="card"><h2>Blue Mug</h2><span class="price">$12.00</span>{button}</div>
<div class="card"><h2>Notebook</h2><span class="price">$5.00</span></div>
<p id="flash"></p>"""


LOGIN_FORM = """<h1>Sign in</h1>{message}
<form method="post" action="/login">
  <label>Email <input id="email" name="email" type="email"></label>
  <label>Password <input id="password" name="password" type="password"></label>
  <button id="signin-btn" type="submit">Sign in</button>
</form>"""

# Static pages: path → HTML.
PAGES: dict[str, str] = {
    # ---------------------------------------------------------------- selector_changed
    "/shop-v2": page(
        "Catalog",
        shop_card('<button class="btn product-add-btn" data-sku="mug">Add to cart</button>'),
    ),
    "/checkout-v2": page(
        "Checkout",
        """<h1>Checkout</h1>
<form id="checkout"><label>Name <input id="name"></label></form>
<aside class="summary"><p>Total: $12.00</p>
  <button id="submit-order" type="button">Place order</button></aside>""",
    ),
    "/plans": page(
        "Plans",
        """<h1>Plans</h1>
<div class="plan"><h2>Basic</h2><button class="buy">Buy Basic</button></div>
<div class="plan"><h2>Pro</h2><button class="buy">Buy Pro</button></div>""",
    ),
    "/newsletter": page(
        "Newsletter",
        """<h1>Newsletter</h1><label>Email <input id="nl-email" type="email"></label>
<button data-testid="newsletter-subscribe">Subscribe</button>""",
    ),
    "/cart-v2": page(
        "Cart",
        """<h1>Your cart</h1><table><tr><td>Blue Mug</td><td>$12.00</td></tr></table>
<button id="pay">Proceed to payment</button>""",
    ),
    "/shop-v3": page(
        "Catalog",
        shop_card('<button class="basket-add">Add to cart</button>'),
        head="<script>fetch('/analytics/collect', {method: 'POST', body: 'view'});</script>",
    ),
    "/help-v2": page(
        "Help",
        """<h1>Help center</h1><p>Answers to common questions.</p>
<a id="support-link" href="#contact">Contact support</a>
<script>console.error("[consent] no stored choice, showing defaults");</script>""",
    ),
    # ---------------------------------------------------------------- element_not_interactable
    "/promo": page(
        "Promo",
        """<h1>Spring promo</h1><button id="claim">Claim 20% off</button>
<div id="cookie-wall" style="position:fixed;inset:0;z-index:50;background:rgba(0,0,0,.6)">
  <div style="background:#fff;margin:20vh auto;width:300px;padding:1rem">We use cookies.
  <button id="accept">Accept</button></div></div>""",
    ),
    "/signup": page(
        "Sign up",
        """<h1>Create account</h1><label>Email <input id="su-email"></label>
<label><input type="checkbox" id="terms"> I accept the terms</label>
<button id="create" disabled>Create account</button>""",
    ),
    "/menu": page(
        "Menu",
        """<h1>Menu</h1>
<button class="order" style="display:none">Order</button>
<button class="order-now">Order</button>""",
    ),
    "/banner": page(
        "Banner",
        """<h1>News</h1>
<button id="dismiss" style="position:absolute;left:-5000px;top:10px">Dismiss</button>""",
    ),
    "/coupon": page(
        "Coupon",
        """<h1>Checkout</h1><label>Coupon <input id="coupon" readonly value="SPRING"></label>""",
    ),
    # ---------------------------------------------------------------- assertion_failed
    "/product": page(
        "Blue Mug",
        """<h1>Blue Mug</h1><span class="price">$12.00</span>
<button id="add">Add to bag</button>""",
    ),
    "/reviews": page(
        "Reviews",
        """<h1>Reviews</h1><div class="review">Great mug</div>
<div class="review">Too small</div>""",
    ),
    "/nav": page("Home", """<h1>Home</h1><a id="cart-link" href="/basket">Cart</a>"""),
    "/basket": page("Basket", "<h1>Basket</h1><p>Your basket is empty.</p>"),
    "/pay": page("Payment", "<h1>Payment</h1><p>Enter your card.</p>"),
    "/product-noisy": page(
        "Notebook",
        """<h1>Notebook</h1><p id="stock">Only 2 left</p>
<script>console.error("Deprecated API: document.domain setter");</script>""",
    ),
    "/qty": page("Cart", """<h1>Cart</h1><label>Qty <input id="qty" value="1"></label>"""),
    # ---------------------------------------------------------------- timeout
    "/report": page(
        "Report",
        """<h1>Monthly report</h1><div class="spinner" role="status"></div>
<div id="report"></div>
<script>setTimeout(() => {
  document.querySelector('.spinner').remove();
  document.getElementById('report').innerHTML = '<button id="download">Download</button>';
}, 10000);</script>""",
    ),
    "/search-results": page(
        "Search",
        """<h1>Search</h1><div id="out"></div>
<script>setTimeout(() => {
  document.getElementById('out').innerHTML = '<ul id="results"><li>One</li></ul>';
}, 8000);</script>""",
    ),
    "/busy-overlay": page(
        "Dashboard",
        """<h1>Dashboard</h1>
<div class="loading-overlay" style="position:fixed;inset:0;background:rgba(255,255,255,.8)">
  <div class="spinner"></div></div>""",
    ),
    "/welcome": page(
        "Welcome",
        """<main aria-busy="true"><p id="greeting">Loading…</p></main>
<script>setTimeout(() => {
  document.getElementById('greeting').textContent = 'Welcome back, Ada';
  document.querySelector('main').setAttribute('aria-busy', 'false');
}, 10000);</script>""",
    ),
    "/slow-api": page(
        "Orders",
        """<h1>Orders</h1><div class="loader"><div class="spinner"></div></div><ul id="orders"></ul>
<script>fetch('/api/slow-orders').then(r => r.json()).then(d => {
  document.querySelector('.loader').remove();
  document.getElementById('orders').innerHTML = '<li class="order">#1</li>';
});</script>""",
    ),
    "/dwell": page("Dwell", "<h1>Long task</h1>"),
    # ---------------------------------------------------------------- navigation_error
    "/start": page("Start", """<h1>Start</h1><a id="old-link" href="/retired-page">Old docs</a>"""),
    "/gateway": page(
        "502 Bad Gateway",
        """<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>""",
    ),
    # ---------------------------------------------------------------- network_error
    "/order-list": page(
        "Orders",
        """<h1>Your orders</h1><ul id="order-list"></ul>
<script>fetch('/api/orders').then(r => r.ok ? r.json() : null).then(d => {
  if (!d) return;
  document.getElementById('order-list').innerHTML =
    d.orders.map(o => `<li class="order-row"><a href="#">${o}</a></li>`).join('');
}).catch(() => {});</script>""",
    ),
    "/inbox": page(
        "Inbox",
        """<h1>Inbox</h1><div class="spinner" id="inbox-spinner"></div><ul id="messages"></ul>
<script>fetch('/api/messages').then(r => {
  if (!r.ok) throw new Error('HTTP ' + r.status);
  return r.json();
}).then(d => {
  document.getElementById('inbox-spinner').remove();
  document.getElementById('messages').innerHTML = '<li class="message">Hi</li>';
}).catch(() => {});</script>""",
    ),
    "/stats": page(
        "Stats",
        """<h1>Stats</h1><div id="stats"></div>
<script>fetch('/api/stats').then(r => { if (!r.ok) throw new Error(); return r.json(); })
  .then(d => { document.getElementById('stats').textContent = 'Visitors: ' + d.visitors; })
  .catch(() => { document.getElementById('stats').textContent = 'Could not load stats'; });
</script>""",
    ),
    "/search-aborted": page(
        "Search",
        """<h1>Search</h1><div id="hits"></div>
<script>const ctl = new AbortController(); setTimeout(() => ctl.abort(), 150);
fetch('/api/slow-search', {signal: ctl.signal}).then(r => r.json()).then(d => {
  document.getElementById('hits').innerHTML = '<a class="result" href="#">Mug</a>';
}).catch(() => {});</script>""",
    ),
    "/profile-form": page(
        "Profile",
        """<h1>Profile</h1><label>Name <input id="pname" value="Ada"></label>
<button id="save-profile">Save</button><p id="msg"></p>
<script>document.getElementById('save-profile').onclick = () => {
  const x = new XMLHttpRequest(); x.open('POST', '/api/profile');
  x.onload = () => { if (x.status < 400) document.getElementById('msg').textContent = 'Saved'; };
  x.send('{}');
};</script>""",
    ),
    # ---------------------------------------------------------------- javascript_error
    "/products": page(
        "Products",
        """<h1>Products</h1><div id="grid"></div>
<script>const products = null;
document.getElementById('grid').innerHTML =
  products.map(p => `<div class="product"><button class="add">Add</button></div>`).join('');
</script>""",
    ),
    "/widget": page(
        "Widgets",
        """<h1>Widgets</h1><div id="widget"></div>
<script>console.error("Failed to render widget: undefined is not a function");</script>""",
    ),
    "/settings-form": page(
        "Settings",
        """<h1>Settings</h1><label>Nickname <input id="nick"></label>
<button id="save" onclick="saveSettings()">Save</button>""",
    ),
    "/feed": page(
        "Feed",
        """<h1>Feed</h1><div id="posts"></div>
<script>Promise.resolve().then(() => { throw new Error("feed parse failed: bad JSON"); })
  .then(() => { document.getElementById('posts').innerHTML = '<div class="post">Hi</div>'; });
</script>""",
    ),
    "/legacy": page(
        "Legacy app",
        """<h1>Legacy app</h1><div id="app"></div>
<script>function boot( { document.getElementById('app').innerHTML = '<button id="start">Start</button>'; }</script>""",
    ),
    "/wizard": page(
        "Wizard",
        """<h1>Step 1</h1>
<button id="next" onclick="throw new TypeError('wizard state is undefined')">Next</button>""",
    ),
    # ---------------------------------------------------------------- authentication_failed
    "/me-page": page(
        "Dashboard",
        """<header>Signed in as <span id="user-name"></span></header><h1>Dashboard</h1>
<script>fetch('/api/me').then(r => r.ok ? r.json() : null).then(d => {
  if (d) document.getElementById('user-name').textContent = d.name;
});</script>""",
    ),
    "/home": page(
        "Home",
        """<h1>Welcome, Ada</h1><a id="orders-link" href="/my-orders">My orders</a>""",
    ),
    "/reports": page(
        "Reports",
        """<h1>Reports</h1><p>Access denied: you do not have permission to view reports.</p>""",
    ),
    # ---------------------------------------------------------------- unknown
    "/search-box": page("Search", """<h1>Search</h1><input id="q">"""),
}


def create_corpus_app(closed_port: int) -> Starlette:
    """``closed_port``: a loopback port nothing listens on (for refused requests)."""

    def static(html: str) -> Callable[[Request], Awaitable[Response]]:
        async def handler(_: Request) -> Response:
            return HTMLResponse(html)

        return handler

    async def weather(_: Request) -> Response:
        return HTMLResponse(
            page(
                "Weather",
                f"""<h1>Weather</h1><div id="out"></div>
<script>fetch('http://127.0.0.1:{closed_port}/api/forecast').then(r => r.json()).then(d => {{
  document.getElementById('out').innerHTML = '<p id="forecast">Sunny</p>';
}}).catch(() => {{}});</script>""",
            )
        )

    async def login(request: Request) -> Response:
        if request.method == "POST":
            form = parse_qs((await request.body()).decode())
            email = (form.get("email") or [""])[0]
            password = (form.get("password") or [""])[0]
            if email == EMAIL and password == PASSWORD:
                return RedirectResponse("/home", status_code=303)
            message = '<p class="error" role="alert">Invalid email or password.</p>'
            return HTMLResponse(page("Sign in", LOGIN_FORM.format(message=message)))
        message = ""
        if request.query_params.get("expired"):
            message = '<p class="notice">Your session has expired. Please sign in again.</p>'
        return HTMLResponse(page("Sign in", LOGIN_FORM.format(message=message)))

    async def error_500(_: Request) -> Response:
        return HTMLResponse(
            page("500 Internal Server Error", "<h1>Internal Server Error</h1>"), status_code=500
        )

    async def not_found(_: Request) -> Response:
        return HTMLResponse(page("404 Not Found", "<h1>Not Found</h1>"), status_code=404)

    async def forbidden(_: Request) -> Response:
        return HTMLResponse(page("403 Forbidden", "<h1>Forbidden</h1>"), status_code=403)

    async def api_error(request: Request) -> Response:
        status = 503 if request.url.path == "/api/messages" else 500
        return JSONResponse({"error": "backend unavailable"}, status_code=status)

    async def api_401(_: Request) -> Response:
        return JSONResponse({"error": "not signed in"}, status_code=401)

    async def slow(_: Request) -> Response:
        await asyncio.sleep(6)
        return JSONResponse({"orders": ["#1"]})

    async def analytics(_: Request) -> Response:
        return JSONResponse({"error": "collector down"}, status_code=500)

    routes = [Route(path, static(html)) for path, html in PAGES.items()]
    routes += [
        Route("/weather", weather),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/account", lambda _: RedirectResponse("/login?next=/account", status_code=302)),
        Route("/my-orders", lambda _: RedirectResponse("/login?expired=1", status_code=302)),
        Route("/broken-orders", error_500),
        Route("/retired-page", not_found),
        Route("/admin", forbidden),
        Route("/api/orders", api_error),
        Route("/api/messages", api_error),
        Route("/api/stats", api_error),
        Route("/api/profile", api_error, methods=["POST"]),
        Route("/api/me", api_401),
        Route("/api/slow-orders", slow),
        Route("/api/slow-search", slow),
        Route("/analytics/collect", analytics, methods=["POST"]),
        Route("/health", lambda _: JSONResponse({"status": "ok"})),
    ]
    return Starlette(routes=routes)
