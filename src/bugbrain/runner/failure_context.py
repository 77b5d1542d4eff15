"""What the page looked like when a step failed: the signals failure analysis
reads (is it an error page, a login page, is something still loading, …).

``capture`` runs one ``page.evaluate`` (a second one only when the first hit a
page that was navigating away) and never raises: a page that cannot be read
gives ``{"url": …, "capture_error": …}``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Final

from playwright.async_api import Page

from bugbrain.runner import internal_calls as quiet

_UNANSWERED: Final = "the page did not answer (busy script?)"
# Longest we wait for the page to answer (a page stuck in a script loop never does).
_EVAL_TIMEOUT_S: Final = 2.0
_NAV_SETTLE_MS: Final = 1000

# Everything in one evaluation; kept cheap (a few querySelectorAll, no layout
# of the whole DOM): a few milliseconds on ordinary pages.
CAPTURE_JS: Final = r"""() => {
  const out = {};
  const clip = (s, n) => {
    s = (s || "").replace(/\s+/g, " ").trim();
    return s.length > n ? s.slice(0, n - 1) + "…" : s;
  };
  const vw = window.innerWidth || document.documentElement.clientWidth || 1;
  const vh = window.innerHeight || document.documentElement.clientHeight || 1;
  const visible = (el) => {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const s = getComputedStyle(el);
    return s.display !== "none" && s.visibility !== "hidden" &&
      parseFloat(s.opacity || "1") > 0.05;
  };
  const classOf = (el) => (typeof el.className === "string" ? el.className : "");
  const short = (el) => {
    if (!el || !el.tagName) return "";
    const tag = el.tagName.toLowerCase();
    if (el.id) return tag + "#" + CSS.escape(el.id);
    const cls = Array.from(el.classList || []).slice(0, 2).map((c) => "." + CSS.escape(c));
    const role = el.getAttribute("role");
    if (cls.length) return tag + cls.join("");
    if (el.getAttribute("aria-busy") === "true") return tag + "[aria-busy=true]";
    return tag + (role ? `[role=${role}]` : "");
  };
  // A selector that finds ``el`` again: its id/classes, else its own text.
  const selectorOf = (el) => {
    const css = short(el);
    if (/[#.\[]/.test(css)) return css;
    const words = clip(el.textContent || "", 40);
    return words ? `text=${JSON.stringify(words)}` : css;
  };
  const describe = (el, n) => {
    const words = clip(el.innerText || "", n);
    return clip(short(el) + (words ? ` "${words}"` : ""), n + 60);
  };
  out.url = location.href;
  out.title = document.title || "";
  out.ready_state = document.readyState;
  let status = null;
  try {
    const nav = performance.getEntriesByType("navigation")[0];
    const code = nav ? nav.responseStatus : 0;
    if (typeof code === "number" && code > 0) status = code;
  } catch (e) {}
  out.document_status = status;
  const body = document.body;
  let text = "";
  try { text = body ? body.innerText || "" : ""; } catch (e) { text = ""; }
  out.visible_text_sample = clip(text, 300);
  out.headings = Array.from(document.querySelectorAll("h1, h2"))
    .filter(visible).slice(0, 5).map((h) => clip(h.innerText, 80)).filter(Boolean);
  out.dom_size = document.getElementsByTagName("*").length;

  // ---- error page
  const ERR_TEXT = new RegExp([
    "page not found", "404 not found", "internal server error", "bad gateway",
    "service (temporarily )?unavailable", "gateway time-?out", "site can.t be reached",
    "this page isn.t working", "\\berr_[a-z_]+",
  ].join("|"), "i");
  const ERR_CODE = /^\s*(error\s*:?\s*|http\s*(error\s*)?)?(4\d\d|5\d\d)\b/i;
  const ERR_BARE = /^\s*(not found|server error|error)\s*$/i;
  const isErr = (s) => !!s && (ERR_TEXT.test(s) || ERR_CODE.test(s) || ERR_BARE.test(s));
  const h1 = Array.from(document.querySelectorAll("h1")).find(visible);
  const h1text = h1 ? clip(h1.innerText, 80) : "";
  let why = null;
  if (location.protocol === "chrome-error:") why = "browser error page";
  else if (status !== null && status >= 400) why = `HTTP ${status}`;
  else if (isErr(out.title)) why = `title "${clip(out.title, 80)}"`;
  else if (isErr(h1text) && out.dom_size < 400) why = `heading "${h1text}"`;
  out.error_page = why !== null;
  out.error_page_reason = why;

  // ---- login page
  const LOGIN_PATH = /\/(log-?in|sign-?in|auth|session\/new|account\/login)(\/|$|\?|#|\.)/i;
  const SIGN_IN = /\b(sign|log)\s*-?\s*in\b|\blogin\b|continue|submit/i;
  const pw = Array.from(document.querySelectorAll("input[type=password]")).find(visible);
  let signIn = false;
  if (pw) {
    const form = pw.form || document;
    const buttons = form.querySelectorAll("button, input[type=submit], [role=button], a");
    signIn = Array.from(buttons).some(
      (b) => visible(b) && SIGN_IN.test(b.innerText || b.value || ""));
  }
  const path = location.pathname.endsWith("/") ? location.pathname : location.pathname + "/";
  const web = location.protocol === "http:" || location.protocol === "https:";
  out.login_page = web && (LOGIN_PATH.test(path) || (!!pw && signIn));
  out.password_field = !!pw;
  // A rejected sign-in ("Invalid email or password")…
  const CRED = new RegExp([
    "(invalid|incorrect|wrong|unknown|bad)\\s+(e-?mail|user(name)?|password|credentials|login)" +
      "[^.\\n]{0,60}",
    "(login|log-in|sign[- ]?in|authentication)\\s+(failed|unsuccessful)[^.\\n]{0,40}",
  ].join("|"), "i");
  // …and a page that refuses access or asks to sign in again.
  const ACCESS = new RegExp([
    "access\\s+denied", "not\\s+authori[sz]ed", "unauthori[sz]ed", "permission\\s+denied",
    "session\\s+(has\\s+)?expired", "please\\s+(sign|log)\\s*-?\\s*in",
    "(sign|log)\\s*-?\\s*in\\s+(again|to\\s+continue)",
  ].join("|"), "i");
  const cred = text.match(CRED);
  const access = text.match(ACCESS);
  out.auth_message = cred ? clip(cred[0], 120) : null;
  out.access_message = access ? clip(access[0], 120) : null;

  // ---- busy: spinners, loaders, aria-busy
  const BUSY_TOKEN = /(^|[-_\s])(spinner|spinning|loading|loader|busy|skeleton)([-_\s]|$)/i;
  const BUSY_SEL = [
    "[aria-busy=true]", "[role=progressbar]", "progress", "[class*=spin i]", "[class*=load i]",
    "[id*=spin i]", "[id*=load i]", "[class*=busy i]", "[class*=skeleton i]",
  ].join(", ");
  let busy = null;
  for (const el of document.querySelectorAll(BUSY_SEL)) {
    const named = el.getAttribute("aria-busy") === "true" ||
      el.getAttribute("role") === "progressbar" || el.tagName === "PROGRESS" ||
      BUSY_TOKEN.test(classOf(el) + " " + (el.id || ""));
    if (named && visible(el)) { busy = el; break; }
  }
  if (!busy && body) {
    const LOADING = /^\s*(loading|please wait)(\s*(\.\.\.|…))?\s*$/i;
    for (const el of body.querySelectorAll("p, span, div, li, td, section, main")) {
      if (el.childElementCount <= 1 && LOADING.test(el.textContent || "") && visible(el)) {
        busy = el; break;
      }
    }
  }
  out.busy = busy !== null;
  out.busy_element = busy ? describe(busy, 40) : null;
  out.busy_selector = busy ? selectorOf(busy) : null;

  // ---- overlay: a positioned element on top of most of the viewport
  const CUE = /modal|overlay|backdrop|dialog|cookie|consent|popup|banner|mask|curtain/i;
  let overlay = null;
  const points = [[0.5, 0.5], [0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]];
  const seen = new Set();
  for (const [fx, fy] of points) {
    let el = document.elementFromPoint(vw * fx, vh * fy);
    while (el && el !== body && el !== document.documentElement && !overlay) {
      if (!seen.has(el)) {
        seen.add(el);
        const s = getComputedStyle(el);
        if (s.position === "fixed" || s.position === "absolute" || s.position === "sticky") {
          const r = el.getBoundingClientRect();
          const w = Math.max(0, Math.min(r.right, vw) - Math.max(r.left, 0));
          const h = Math.max(0, Math.min(r.bottom, vh) - Math.max(r.top, 0));
          const z = parseInt(s.zIndex, 10);
          const cue = CUE.test(classOf(el) + " " + (el.id || ""));
          const dialog = /dialog/.test(el.getAttribute("role") || "") ||
            el.getAttribute("aria-modal") === "true";
          const marked = z > 0 || cue || dialog || s.position === "fixed";
          if (w * h >= 0.5 * vw * vh && marked) overlay = el;
        }
      }
      el = el.parentElement;
    }
    if (overlay) break;
  }
  out.overlay = overlay ? describe(overlay, 60) : null;
  out.overlay_selector = overlay ? selectorOf(overlay) : null;
  return out;
}"""


async def capture(page: Page, busy: bool = False) -> dict[str, Any]:
    """Signals about the page at the moment of failure; never raises. ``busy``: a
    read already went unanswered, so do not wait on another one."""
    url: str | None = page.url  # a cached property: never raises
    if busy:
        return {"url": url, "capture_error": _UNANSWERED}
    last_error = ""
    for attempt in (1, 2):
        try:
            result = await asyncio.wait_for(quiet.evaluate(page, CAPTURE_JS), _EVAL_TIMEOUT_S)
        except TimeoutError:
            return {"url": url, "capture_error": _UNANSWERED}
        except Exception as exc:  # noqa: BLE001 - a failure's evidence must never fail the run
            last_error = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            # A page navigating away loses its context: read the next one, once.
            if attempt == 1 and ("context was destroyed" in last_error or "navigat" in last_error):
                with contextlib.suppress(Exception):
                    await page.wait_for_load_state("domcontentloaded", timeout=_NAV_SETTLE_MS)
                continue
            break
        if isinstance(result, dict):
            return result
        last_error = "unexpected capture result"
        break
    return {"url": url, "capture_error": last_error[:300]}
