/*
 * The page-side half of ``healing``: element fingerprints and the candidate snapshot.
 *
 * One function, several modes (the record fields are decoded by ``elements.healing.records``):
 *
 * * ``locator.evaluate_all(FINGERPRINT_JS, {"mode": "fingerprint"})`` → the features of
 *   the one matched element (``null`` unless exactly one matches): tag, id, classes,
 *   text, name / placeholder / type, test ids, stable aria attributes, role and
 *   accessible name, the nearest ancestors (``anc``), the labels of the enclosing
 *   containers (``ctx``), the index among same-tag siblings and the bounding box;
 * * ``page.evaluate(FINGERPRINT_JS, {"mode": "snapshot", "max": n, "tags": [...],
 *   "words": [...], "compact": [...]})`` → one JSON string ``{"recs": [...], "truncated":
 *   bool}``. It looks at every element of the page (shadow roots included, at most
 *   ``n``); the ones that may be the target (interactive ones, those of one of
 *   ``tags``, those whose own text or attributes contain one of ``words`` /
 *   ``compact``; all with ``"all": true``) get a record with the fingerprint features
 *   (``f: 1``), and so do their ancestors with only what paths, container labels and
 *   scoped selectors need (tag, id, classes, role, test ids, a container's label).
 *   Each record has the index of its parent record (``p``), parents first. It
 *   remembers the recorded elements under a symbol on ``window`` so that later calls
 *   can refer to them by record index:
 * * ``locator.evaluate_all(FINGERPRINT_JS, {"mode": "ids"})`` → record index of each
 *   matched element (-1 if not in the last snapshot): verifies a selector;
 * * ``page.evaluate(FINGERPRINT_JS, {"mode": "css", "ks": [k, ...]})`` → a short
 *   structural CSS selector for each record (the last resort of a selector plan).
 *
 * The helpers (roles, accessible names, container labels, visibility) follow
 * ``runner/js/snapshot.js`` so a heal describes elements the way the semantic locators do. Both
 * the fingerprint and the snapshot use the same helpers and caps: an unchanged element
 * gets identical features from either.
 *
 * Loaded by runner/page_scripts.py, which inlines dom_helpers.js at the marker.
 */
(first, second) => {
  const KEY = Symbol.for('bugbrain.heal');
  const onElements = Array.isArray(first);
  const opts = (onElements ? second : first) || {};
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const cap = (s, n) => (s.length > n ? s.slice(0, n) : s);
  const attr = (el, name) => norm(el.getAttribute(name));
  const TEXT_CAP = 120;
  const PATH_DEPTH = 5;
  const CONTEXT_DEPTH = 3;

  const SKIP_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'META',
    'LINK', 'TITLE', 'BR', 'HR', 'HTML', 'BODY', 'BASE', 'COL', 'COLGROUP', 'SOURCE',
    'TRACK', 'PARAM', 'WBR']);
  const SKIP_TEXT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SELECT', 'TEXTAREA']);
  const BLOCK = new Set(['DIV', 'P', 'LI', 'TD', 'TH', 'TR', 'H1', 'H2', 'H3', 'H4', 'H5',
    'H6', 'SECTION', 'ARTICLE', 'UL', 'OL', 'TABLE', 'BR', 'HEADER', 'FOOTER', 'NAV',
    'FORM', 'FIELDSET', 'LEGEND', 'LABEL', 'DT', 'DD', 'BLOCKQUOTE', 'PRE', 'OPTION']);
  const TEST_ATTRS = ['data-testid', 'data-test', 'data-qa', 'data-cy', 'data-test-id'];
  // Aria attributes that describe what an element is (not its momentary state).
  const INTERACTIVE = 'a,button,input,select,textarea,summary,label,option,[role],[onclick],' +
    '[tabindex],[contenteditable]:not([contenteditable="false"]),[aria-label],[title],' +
    '[data-testid],[data-test],[data-qa],[data-cy],[data-test-id]';
  const ARIA_KEEP = ['aria-label', 'aria-haspopup', 'aria-roledescription',
    'aria-placeholder', 'aria-autocomplete', 'aria-required', 'aria-level'];
  const OTHER_ATTRS = ['href', 'title', 'alt', 'for'];
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
  const NAME_FROM_CONTENT = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab',
    'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option', 'heading', 'cell',
    'columnheader', 'rowheader', 'gridcell', 'row', 'treeitem', 'tooltip']);

  /* @dom-helpers */

  // el.labels scans the whole document for label[for] on every call: index them once.
  let labelIndex = null;
  function labelsOf(el) {
    const out = [];
    const root = el.getRootNode();
    if (el.id) {
      if (root === document) {
        if (!labelIndex) {
          labelIndex = new Map();
          for (const l of document.querySelectorAll('label[for]')) {
            const f = l.getAttribute('for');
            if (!labelIndex.has(f)) labelIndex.set(f, []);
            labelIndex.get(f).push(l);
          }
        }
        out.push(...(labelIndex.get(el.id) || []));
      } else if (root.querySelectorAll) {
        out.push(...root.querySelectorAll('label[for="' + CSS.escape(el.id) + '"]'));
      }
    }
    const wrap = el.parentElement && el.parentElement.closest('label');
    if (wrap && !wrap.hasAttribute('for') && !out.includes(wrap)) out.push(wrap);
    return out;
  }

  function labelText(el) {
    const labels = labelsOf(el);
    if (!labels.length) return '';
    return norm(labels.map((l) => contentText(l, 300)).join(' '));
  }

  function accName(el, role, text) {
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
      return labelText(el) || attr(el, 'title') || attr(el, 'placeholder');
    }
    if (t === 'IMG') return attr(el, 'alt') || attr(el, 'title');
    if (t === 'FIELDSET') {
      const lg = el.querySelector(':scope > legend');
      if (lg) return contentText(lg, 200);
    }
    if (NAME_FROM_CONTENT.has(role) && text) return text;
    return attr(el, 'title');
  }

  function skipped(el) {
    const T = el.tagName.toUpperCase();
    if (SKIP_TAGS.has(T)) return true;
    if (el instanceof SVGElement && T !== 'SVG') return true;
    return T === 'INPUT' && (el.getAttribute('type') || '').toLowerCase() === 'hidden';
  }

  function classString(el) {
    return typeof el.className === 'string' ? cap(norm(el.className), 160) : '';
  }

  function sameTagIndex(el) {
    let i = 1;
    for (let s = el.previousElementSibling; s; s = s.previousElementSibling) {
      if (s.tagName === el.tagName) i++;
    }
    return i;
  }

  function pairs(el, names) {
    let out = null;
    for (const a of names) {
      const v = el.getAttribute(a);
      if (v !== null && norm(v)) {
        out = out || {};
        out[a] = cap(norm(v), 200);
      }
    }
    return out;
  }

  // What every record has: enough for paths, container labels and scoped selectors.
  function light(el) {
    const role = roleOf(el);
    const rec = { t: el.tagName.toLowerCase() };
    if (el.id) rec.id = cap(el.id, 200);
    const c = classString(el);
    if (c) rec.c = c;
    if (role) rec.r = role;
    const ti = el.hasAttributes() ? pairs(el, TEST_ATTRS) : null;
    if (ti) rec.ti = ti;
    if (isContainer(el, role)) rec.cn = 1;
    return rec;
  }

  // The features of a possible target (the same for a fingerprint and a snapshot record).
  function full(el, rec) {
    const T = el.tagName.toUpperCase();
    const role = rec.r || '';
    const text = cap(contentText(el, TEXT_CAP + 30), TEXT_CAP);
    const put = (key, v) => { if (v) rec[key] = v; };
    rec.f = 1;
    put('x', text);
    const an = cap(accName(el, role, text), 200);
    if (an !== text) rec.n = an;
    put('nm', cap(attr(el, 'name'), 200));
    put('ph', cap(attr(el, 'placeholder'), 200));
    if (T === 'INPUT') put('ty', attr(el, 'type').toLowerCase());
    if (T === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type)) {
      put('v', cap(norm(el.value), 200));
    }
    put('ar', pairs(el, ARIA_KEEP));
    put('at', pairs(el, OTHER_ATTRS));
    const r = el.getBoundingClientRect();
    rec.b = [Math.round(r.x + window.scrollX), Math.round(r.y + window.scrollY),
      Math.round(r.width), Math.round(r.height)];
    const cs = getComputedStyle(el);
    const visible = r.width > 0 && r.height > 0 && cs.visibility === 'visible' &&
      !el.closest('[aria-hidden="true"]');
    if (!visible) rec.h = 1;
    if (el.matches(':disabled') || el.closest('[aria-disabled="true"]')) rec.d = 1;
    // cursor:pointer is inherited: it only marks the element that sets it.
    const clk = ACTIVE_ROLES.has(role) || el.hasAttribute('onclick') ||
      (el.hasAttribute('tabindex') && el.tabIndex >= 0) || T === 'LABEL' ||
      (cs.cursor === 'pointer' && !parentIsPointer(el));
    if (clk) rec.k = 1;
    if (el.isContentEditable && T !== 'INPUT' && T !== 'TEXTAREA') rec.e = 1;
    return rec;
  }

  // Could the element be what the query describes? Interactive, of the query's tag,
  // or its own text / attributes contain one of the query's words.
  const HAY_ATTRS = new Set(['id', 'class', 'name', 'placeholder', 'title', 'alt',
    'aria-label', 'value', 'href', ...TEST_ATTRS]);
  function wanted(el, q) {
    if (q.all || q.tags.has(el.tagName) || el.matches(INTERACTIVE)) return true;
    if (!q.words.length && !q.compact.length) return false;
    let hay = '';
    for (let c = el.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) hay += c.data;
    }
    if (el.hasAttributes()) {
      for (const a of el.attributes) {
        if (HAY_ATTRS.has(a.name)) hay += ' ' + a.value;
      }
    }
    if (!hay) return false;
    hay = hay.toLowerCase();
    if (q.words.some((w) => hay.includes(w))) return true;
    if (!q.compact.length) return false;
    const squeezed = hay.replace(/[^\p{L}\p{N}]+/gu, '');
    return q.compact.some((c) => squeezed.includes(c));
  }

  // Labels of the enclosing containers, nearest first (at most CONTEXT_DEPTH).
  function contextOf(el, memo) {
    const out = [];
    for (let p = parentOf(el); p && p.nodeType === 1 && out.length < CONTEXT_DEPTH;
      p = parentOf(p)) {
      if (skipped(p)) continue;
      let lb = memo ? memo.get(p) : undefined;
      if (lb === undefined) {
        const role = roleOf(p);
        lb = isContainer(p, role) ? containerLabel(p, role) : '';
        if (memo) memo.set(p, lb);
      }
      if (lb) out.push(lb);
    }
    return out;
  }

  function parentIsPointer(el) {
    const parent = parentOf(el);
    return !!parent && parent.nodeType === 1 && getComputedStyle(parent).cursor === 'pointer';
  }

  function unique(root, selector) {
    try {
      return (root.querySelectorAll ? root : document).querySelectorAll(selector).length === 1;
    } catch (e) {
      return false;
    }
  }

  if (onElements) {
    const els = first;
    if (opts.mode === 'ids') {
      const snap = window[KEY];
      return els.map((e) => {
        const v = snap ? snap.ids.get(e) : undefined;
        return v === undefined ? -1 : v;
      });
    }
    // ---- fingerprint of the one matched element
    if (els.length !== 1) return null;
    const el = els[0];
    const rec = full(el, light(el));
    delete rec.f;
    rec.i = sameTagIndex(el);
    const root = el.getRootNode();
    if (rec.id && unique(root, '[id="' + CSS.escape(rec.id) + '"]')) rec.u = 1;
    if (rec.ti) {
      const a = Object.keys(rec.ti)[0];
      if (unique(root, '[' + a + '="' + CSS.escape(rec.ti[a]) + '"]')) rec.tu = 1;
    }
    const anc = [];
    for (let p = parentOf(el); p && p.nodeType === 1 && anc.length < PATH_DEPTH;
      p = parentOf(p)) {
      if (skipped(p)) continue;
      const a = { t: p.tagName.toLowerCase() };
      if (p.id) a.id = cap(p.id, 200);
      const c = classString(p);
      if (c) a.c = c;
      anc.push(a);
    }
    const ctx = contextOf(el, null);
    rec.anc = anc;
    rec.ctx = ctx;
    return rec;
  }

  if (opts.mode === 'css') {
    const snap = window[KEY];
    return (opts.ks || []).map((k) => (snap && snap.els[k] ? cssPath(snap.els[k]) : ''));
  }

  // ---- snapshot: the possible targets (``wanted``) with their features, and their
  // ancestors (parents before children) with what paths, container labels and
  // scoped selectors need. Other elements are only looked at.
  const maxVisits = opts.max || 25000;
  const q = {
    all: !!opts.all,
    // tagName is upper-case for HTML elements, as written for SVG ones.
    tags: new Set((opts.tags || []).flatMap((t) => [t.toUpperCase(), t])),
    words: (opts.words || []).map((w) => w.toLowerCase()).filter(Boolean),
    compact: (opts.compact || []).map((w) => w.toLowerCase()).filter(Boolean),
  };
  const idCount = new Map();
  const tidCount = new Map();
  const sibling = new Map();
  const seen = new Map();  // element → visit index
  const visits = [];  // [element, parent visit, wanted, same-tag index]
  let truncated = false;

  for (const el of collect(document, [])) {
    if (el.id) idCount.set(el.id, (idCount.get(el.id) || 0) + 1);
    if (el.hasAttributes()) {
      for (const a of TEST_ATTRS) {
        const v = el.getAttribute(a);
        if (v !== null && norm(v)) {
          const key = a + '=' + cap(norm(v), 200);
          tidCount.set(key, (tidCount.get(key) || 0) + 1);
          break;
        }
      }
    }
    if (truncated || skipped(el)) continue;
    if (visits.length >= maxVisits) {
      truncated = true;
      continue;
    }
    let p = -1;
    for (let a = parentOf(el); a; a = parentOf(a)) {
      const k = seen.get(a);
      if (k !== undefined) { p = k; break; }
      if (!skipped(a)) break;
    }
    let i = 1;
    const parent = parentOf(el);
    if (parent) {
      let counts = sibling.get(parent);
      if (!counts) { counts = new Map(); sibling.set(parent, counts); }
      i = (counts.get(el.tagName) || 0) + 1;
      counts.set(el.tagName, i);
    }
    seen.set(el, visits.length);
    visits.push([el, p, wanted(el, q), i]);
  }
  // Keep the wanted elements and their ancestors.
  const keep = new Uint8Array(visits.length);
  for (let v = 0; v < visits.length; v++) {
    if (!visits[v][2]) continue;
    for (let a = v; a >= 0 && !keep[a]; a = visits[a][1]) keep[a] = 1;
  }
  const ids = new Map();
  const els = [];
  const recs = [];
  const recOf = new Int32Array(visits.length).fill(-1);
  for (let v = 0; v < visits.length; v++) {
    if (!keep[v]) continue;
    const [el, p, want, i] = visits[v];
    const rec = light(el);
    if (want) full(el, rec);
    rec.p = p >= 0 ? recOf[p] : -1;
    if (i > 1) rec.i = i;
    recOf[v] = recs.length;
    ids.set(el, recs.length);
    els.push(el);
    recs.push(rec);
  }
  const labels = new Map();
  for (let k = 0; k < recs.length; k++) {
    if (recs[k].f) contextOf(els[k], labels);
  }
  for (let k = 0; k < recs.length; k++) {
    const rec = recs[k];
    if (rec.id && idCount.get(rec.id) === 1) rec.u = 1;
    if (rec.ti) {
      const a = Object.keys(rec.ti)[0];
      if (tidCount.get(a + '=' + rec.ti[a]) === 1) rec.tu = 1;
    }
    if (rec.cn) {
      const lb = labels.get(els[k]);
      if (lb) rec.lb = lb;
    }
  }
  window[KEY] = { ids, els };
  // A string: Playwright's structured serialisation of a large object is far slower.
  return JSON.stringify({ recs, truncated });
}
