/*
 * The page-side half of ``locate``: one function, several modes.
 *
 * ``page.evaluate(SNAPSHOT_JS, {"mode": "snapshot", ...})`` returns, as one JSON
 * string, the candidate elements of the page (see ``elements.dom.Snapshot.from_json``
 * for the record fields): interactive elements and elements with their own text
 * that share a word with the query (``tokens`` / ``compact``), every control of the
 * given ``roles``, or every interactive element (``wide``); it remembers the elements
 * under a symbol on ``window`` so that later calls can refer to them by node index:
 *
 * * ``locator.evaluate_all(SNAPSHOT_JS, {"mode": "ids"})`` → node index of each
 *   matched element (-1 if not in the last snapshot): verifies a selector;
 * * ``page.evaluate(SNAPSHOT_JS, {"mode": "css", "ks": [k, ...]})`` → a short
 *   structural CSS selector for each node;
 * * ``locator.evaluate_all(SNAPSHOT_JS, {"mode": "describe"})`` → visibility and a
 *   ``role "name"`` description of each matched element (cached selectors);
 * * ``page.evaluate(SNAPSHOT_JS, {"mode": "hover", "k": k})`` → the shown containers
 *   of a hidden node, nearest first, to hover; ``{"mode": "shown", "k": k}`` → is it
 *   visible now.
 *
 * Loaded by runner/page_scripts.py, which inlines ``dom_helpers.js`` at the marker.
 */
(first, second) => {
  const KEY = Symbol.for('bugbrain.locate');
  const onElements = Array.isArray(first);
  const opts = (onElements ? second : first) || {};
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const cap = (s, n) => (s.length > n ? s.slice(0, n) : s);
  const attr = (el, name) => norm(el.getAttribute(name));

  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META',
    'LINK', 'TITLE', 'BR', 'HR', 'HTML', 'BODY', 'BASE', 'COL', 'COLGROUP', 'SOURCE',
    'TRACK', 'PARAM', 'WBR']);
  const SKIP_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SELECT', 'TEXTAREA']);
  const BLOCK = new Set(['DIV', 'P', 'LI', 'TD', 'TH', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5',
    'H6', 'SECTION', 'ARTICLE', 'UL', 'OL', 'TABLE', 'BR', 'HEADER', 'FOOTER', 'NAV',
    'FORM', 'FIELDSET', 'LEGEND', 'LABEL', 'DT', 'DD', 'BLOCKQUOTE', 'PRE', 'OPTION']);
  const INTERACTIVE = 'a,button,input,select,textarea,summary,[role],[onclick],[tabindex],' +
    'label,[contenteditable]:not([contenteditable="false"]),img,h1,h2,h3,h4,h5,h6,' +
    '[aria-label],[title],[data-testid],[data-test],[data-qa],[data-cy],[data-test-id],' +
    'option,dialog';
  const TEST_ATTRS = ['data-testid', 'data-test', 'data-qa', 'data-cy', 'data-test-id'];
  const ACTIVE_ROLES = new Set(['button', 'link', 'textbox', 'searchbox', 'spinbutton',
    'combobox', 'listbox', 'checkbox', 'radio', 'switch', 'slider', 'tab', 'menuitem',
    'menuitemcheckbox', 'menuitemradio', 'option', 'treeitem']);
  const CONT_TAGS = new Set(['LI', 'TR', 'ARTICLE', 'SECTION', 'FIELDSET', 'FORM', 'DIALOG',
    'TABLE', 'NAV', 'ASIDE', 'HEADER', 'FOOTER', 'MAIN', 'DETAILS']);
  const CONT_ROLES = new Set(['region', 'group', 'dialog', 'alertdialog', 'listitem', 'row',
    'tabpanel', 'article', 'form', 'navigation', 'table', 'grid', 'menu', 'toolbar',
    'complementary', 'banner', 'contentinfo', 'main']);
  const CARD_RE = /card|panel|item|product|tile|modal|dialog|box|row|entry|result|widget/i;
  const FIRST_TEXT_SKIP = 'button,[role="button"],select,script,style,noscript,[hidden]';
  const HEADINGS = 'h1,h2,h3,h4,h5,h6,[role="heading"],legend,caption';
  const UNSTABLE_ID = /\d{3,}|^:|^[0-9a-f]{8}-|^(ember|ext-gen|yui_|gwt-uid|mui-|radix-)/;

  /* @dom-helpers */

  function labelText(el) {
    const labels = el.labels;
    if (!labels || !labels.length) return '';
    return norm(Array.from(labels).map((l) => contentText(l, 300)).join(' '));
  }

  const NAME_FROM_CONTENT = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab',
    'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'heading', 'cell',
    'columnheader', 'rowheader', 'gridcell', 'row', 'treeitem', 'tooltip']);

  function accName(el, role, lab, text) {
    const by = labelledBy(el);
    if (by) return by;
    const al = attr(el, 'aria-label');
    if (al) return al;
    const t = el.tagName.toUpperCase();
    if (t === 'INPUT' || t === 'SELECT' || t === 'TEXTAREA') {
      const ty = (el.getAttribute('type') || '').toLowerCase();
      if (t === 'INPUT' && ['submit', 'button', 'reset'].includes(ty)) {
        return norm(el.value) || (ty === 'submit' ? 'Submit' : ty === 'reset' ? 'Reset' : '');
      }
      if (t === 'INPUT' && ty === 'image') return attr(el, 'alt') || attr(el, 'title');
      return lab || attr(el, 'title') || attr(el, 'placeholder');
    }
    if (t === 'IMG') return attr(el, 'alt') || attr(el, 'title');
    if (t === 'FIELDSET') {
      const lg = el.querySelector(':scope > legend');
      if (lg) return contentText(lg, 200);
    }
    if (NAME_FROM_CONTENT.has(role) && text) return text;
    return attr(el, 'title');
  }

  function testAttr(el) {
    for (const a of TEST_ATTRS) {
      const v = el.getAttribute(a);
      if (v) return [a, v];
    }
    return null;
  }

  function isVisible(el, cs) {
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) return false;
    if ((cs || getComputedStyle(el)).visibility !== 'visible') return false;
    return !el.closest('[aria-hidden="true"]');
  }

  function hasDirectText(el) {
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3 && c.data.trim()) return true;
    }
    return false;
  }

  if (onElements) {
    const els = first;
    const snap = window[KEY];
    if (opts.mode === 'ids') {
      return els.map((e) => {
        const v = snap ? snap.ids.get(e) : undefined;
        return v === undefined ? -1 : v;
      });
    }
    return els.map((e) => {
      const role = roleOf(e);
      const text = cap(contentText(e, 300), 200);
      const name = accName(e, role, labelText(e), text) || text;
      const kind = role || e.tagName.toLowerCase();
      return { vis: isVisible(e), desc: name ? kind + ' "' + cap(name, 40) + '"' : kind };
    });
  }

  if (opts.mode === 'hover' || opts.mode === 'shown') {
    // A hidden control shown on hover: its nearest shown containers, to hover in
    // turn ([css, description], nearest first), or whether it shows now.
    const snap = window[KEY];
    const el = snap && snap.els[opts.k];
    if (!el || !el.isConnected) return opts.mode === 'shown' ? false : [];
    if (opts.mode === 'shown') return isVisible(el);
    const out = [];
    for (let a = parentOf(el); a && a !== document.body && out.length < 3; a = parentOf(a)) {
      if (!isVisible(a)) continue;
      const kind = roleOf(a) || a.tagName.toLowerCase();
      const words = firstText(a);
      out.push([cssPath(a), words ? kind + ' "' + cap(words, 40) + '"' : kind]);
    }
    return out;
  }

  if (opts.mode === 'css') {
    const snap = window[KEY];
    return (opts.ks || []).map((k) => (snap && snap.els[k] ? cssPath(snap.els[k]) : ''));
  }

  // ---- snapshot
  const maxRecords = opts.max || 5000;
  const probes = (opts.probes || []).map((p) => (p || '').toLowerCase());
  const anyProbe = probes.some(Boolean);
  const tokens = opts.tokens || [];
  const compactQuery = opts.compact || '';
  const wide = !!opts.wide;
  const roles = new Set(opts.roles || []);
  // The words name a control by what it does ("delete"): also keep icon-only controls
  // and elements whose class says one of these words, with their icon evidence.
  const iconWords = opts.icons || [];
  const ids = new Map();
  const els = [];
  const nodes = [];
  const idCount = new Map();
  const tidCount = new Map();
  const cands = [];
  const labelsToLink = [];
  let truncated = false;

  function nodeOf(el) {
    let id = ids.get(el);
    if (id !== undefined) return id;
    const parent = parentOf(el);
    const p = parent && parent !== document.documentElement ? nodeOf(parent) : -1;
    id = nodes.length;
    ids.set(el, id);
    els.push(el);
    const role = roleOf(el);
    const n = { p, tag: el.tagName.toLowerCase() };
    if (role) n.role = role;
    if (isContainer(el, role)) {
      n.c = 1;
      const lab = containerLabel(el, role);
      if (lab) n.lab = lab;
      if (typeof el.className === 'string' && /card|tile|product/i.test(el.className)) {
        n.card = 1;
      }
    }
    if (anyProbe) {
      const t = (norm(el.textContent) + ' ' + attr(el, 'aria-label') + ' ' +
        labelledBy(el)).toLowerCase();
      let m = 0;
      probes.forEach((pr, i) => { if (pr && t.includes(pr)) m |= 1 << i; });
      if (m) n.m = m;
      n.len = t.length;
    }
    nodes.push(n);
    return id;
  }

  // Cheap test before the full record: could any of its names share a word with the query?
  function relevant(el) {
    if (!tokens.length && !compactQuery) return false;
    let hay = el.textContent || '';
    for (const a of ['aria-label', 'placeholder', 'title', 'alt', 'value', 'id', 'name',
      ...TEST_ATTRS]) {
      const v = el.getAttribute(a);
      if (v) hay += ' ' + v;
    }
    if (el.labels) for (const l of el.labels) hay += ' ' + l.textContent;
    // Names from content include descendants' alt / aria-label ("<a><img alt=Logo></a>").
    if (el.firstElementChild && el.matches(INTERACTIVE)) hay += ' ' + contentText(el, 300);
    if (typeof el.className === 'string') hay += ' ' + el.className;
    const by = el.getAttribute('aria-labelledby');
    if (by) hay += ' ' + labelledBy(el);
    hay = hay.toLowerCase();
    if (tokens.some((k) => hay.includes(k))) return true;
    return !!compactQuery && hay.replace(/[^\p{L}\p{N}]+/gu, '').includes(compactQuery);
  }

  // An interactive element with no words of its own (at most a glyph such as ×).
  // An SVG's <title> names its button for screen readers, but the button shows an icon.
  function nameless(el) {
    if (attr(el, 'aria-label') || labelledBy(el)) return false;
    let n = 0;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (t.parentElement && t.parentElement.closest('svg')) continue;
      n += t.data.trim().length;
      if (n > 2) return false;
    }
    return true;
  }

  function iconClass(el) {
    const cls = typeof el.className === 'string' ? el.className.toLowerCase() : '';
    return !!cls && iconWords.some((w) => cls.includes(w));
  }

  const all = collect(document, []);
  for (const el of all) {
    if (el.id) idCount.set(el.id, (idCount.get(el.id) || 0) + 1);
    const ta = testAttr(el);
    if (ta) {
      const key = ta[0] + '=' + ta[1];
      tidCount.set(key, (tidCount.get(key) || 0) + 1);
    }
    if (truncated) continue;
    const T = el.tagName.toUpperCase();
    if (SKIP_TAGS.has(T)) continue;
    if (el instanceof SVGElement && T !== 'SVG') continue;
    if (T === 'INPUT' && (el.getAttribute('type') || '').toLowerCase() === 'hidden') continue;
    const interactive = el.matches(INTERACTIVE);
    const iconish = iconWords.length > 0 && (iconClass(el) || (interactive && nameless(el)));
    if (!interactive && !hasDirectText(el) && !iconish) continue;
    const role = roleOf(el);
    if (!(wide && interactive) && !iconish && !roles.has(role) && !relevant(el)) continue;
    if (cands.length >= maxRecords) {
      truncated = true;
      continue;
    }
    const cs = getComputedStyle(el);
    const text = cap(contentText(el, 300), 200);
    const lab = labelText(el);
    const rec = { k: nodeOf(el), tag: T.toLowerCase() };
    const put = (key, v) => { if (v) rec[key] = v; };
    put('role', role);
    put('an', cap(accName(el, role, lab, text), 200));
    put('lab', cap(lab, 200));
    put('ph', attr(el, 'placeholder'));
    put('ti', attr(el, 'title'));
    put('alt', attr(el, 'alt'));
    if (T === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) {
      put('val', norm(el.value));
    }
    if (ta) { put('tid', ta[1]); put('ta', ta[0]); }
    put('txt', text);
    put('id', el.id);
    put('nm', el.getAttribute('name') || '');
    put('cls', typeof el.className === 'string' ? cap(norm(el.className), 120) : '');
    put('ty', T === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : '');
    if (!isVisible(el, cs)) rec.hid = 1;
    if (el.matches(':disabled') || el.closest('[aria-disabled="true"]')) rec.dis = 1;
    // cursor:pointer is inherited: it only marks the element that sets it.
    const parent = parentOf(el);
    const ownPointer = cs.cursor === 'pointer' &&
      !(parent && getComputedStyle(parent).cursor === 'pointer');
    const clk = ACTIVE_ROLES.has(role) || el.hasAttribute('onclick') ||
      (el.hasAttribute('tabindex') && el.tabIndex >= 0) || T === 'LABEL' || ownPointer;
    if (clk) rec.clk = 1;
    if (el.isContentEditable && T !== 'INPUT' && T !== 'TEXTAREA') rec.ce = 1;
    const r = el.getBoundingClientRect();
    rec.box = [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];
    if (T === 'LABEL' && el.control) labelsToLink.push([rec, el.control]);
    if (iconish) rec.ico = iconEvidence(el);
    cands.push(rec);
  }
  for (const rec of cands) {
    if (rec.id && idCount.get(rec.id) === 1) rec.uid = 1;
    if (rec.tid && tidCount.get(rec.ta + '=' + rec.tid) === 1) rec.utid = 1;
  }
  for (const [rec, control] of labelsToLink) {
    const k = ids.get(control);
    if (k !== undefined) {
      rec.ctl = k;
      const role = roleOf(control);
      if (role) rec.ctlrole = role;
    }
  }
  window[KEY] = { ids, els };
  // A string: Playwright's structured serialisation of a large object is far slower.
  return JSON.stringify({ nodes, cands, truncated });
}
