/*
 * JavaScript helpers shared by the page scripts (snapshot.js, fingerprint.js):
 * visible content text, ARIA roles (explicit or implicit), containers and their
 * labels, the elements a script walks, and a short structural CSS path. They
 * use the constants each script declares alike (norm, cap, attr, SKIP_TEXT,
 * BLOCK, CONT_TAGS, CONT_ROLES, CARD_RE, HEADINGS, FIRST_TEXT_SKIP, UNSTABLE_ID). One page.evaluate
 * cannot import another, so runner/page_scripts.py inlines these at each
 * script's @dom-helpers marker.
 */
  function contentText(root, limit) {
    const out = [];
    let size = 0;
    const walk = (n) => {
      for (let c = n.firstChild; c && size < limit; c = c.nextSibling) {
        if (c.nodeType === 3) {
          out.push(c.data);
          size += c.data.length;
        } else if (c.nodeType === 1) {
          const t = c.tagName.toUpperCase();
          if (SKIP_TEXT.has(t) || c.hidden || c.getAttribute('aria-hidden') === 'true') continue;
          if (t === 'IMG') {
            const a = c.getAttribute('alt') || '';
            out.push(' ' + a + ' ');
            size += a.length;
            continue;
          }
          const label = c.getAttribute('aria-label');
          const block = BLOCK.has(t);
          if (block) out.push(' ');
          if (label) {
            out.push(' ' + label + ' ');
            size += label.length;
          } else {
            walk(c);
          }
          if (block) out.push(' ');
        }
      }
    };
    walk(root);
    return norm(out.join(''));
  }

  function labelledBy(el) {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (!ids.length) return '';
    const root = el.getRootNode();
    return norm(ids.map((id) => {
      const ref = root.getElementById ? root.getElementById(id) : document.getElementById(id);
      return ref ? contentText(ref, 300) : '';
    }).join(' '));
  }

  function implicitRole(el) {
    const t = el.tagName.toUpperCase();
    switch (t) {
      case 'A': case 'AREA': return el.hasAttribute('href') ? 'link' : '';
      case 'BUTTON': case 'SUMMARY': return 'button';
      case 'INPUT': {
        const ty = (el.getAttribute('type') || 'text').toLowerCase();
        if (['button', 'submit', 'reset', 'image', 'file'].includes(ty)) return 'button';
        if (ty === 'checkbox') return 'checkbox';
        if (ty === 'radio') return 'radio';
        if (ty === 'range') return 'slider';
        if (ty === 'number') return 'spinbutton';
        if (ty === 'hidden') return '';
        if (ty === 'search') return el.hasAttribute('list') ? 'combobox' : 'searchbox';
        return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
      case 'SELECT': return (el.multiple || el.size > 1) ? 'listbox' : 'combobox';
      case 'TEXTAREA': return 'textbox';
      case 'H1': case 'H2': case 'H3': case 'H4': case 'H5': case 'H6': return 'heading';
      case 'IMG': return el.getAttribute('alt') === '' ? '' : 'img';
      case 'TABLE': return 'table';
      case 'TR': return 'row';
      case 'TD': return 'cell';
      case 'TH': return 'columnheader';
      case 'LI': return 'listitem';
      case 'UL': case 'OL': return 'list';
      case 'DIALOG': return 'dialog';
      case 'NAV': return 'navigation';
      case 'FORM': return 'form';
      case 'SECTION':
        return (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby'))
          ? 'region' : '';
      case 'ARTICLE': return 'article';
      case 'FIELDSET': case 'DETAILS': return 'group';
      case 'OPTION': return 'option';
      case 'MAIN': return 'main';
      case 'ASIDE': return 'complementary';
      // The page's own header and footer are landmarks; a card's are not.
      case 'HEADER':
        return el.closest('article,aside,main,nav,section') ? '' : 'banner';
      case 'FOOTER':
        return el.closest('article,aside,main,nav,section') ? '' : 'contentinfo';
      case 'PROGRESS': return 'progressbar';
      default:
        if (el.isContentEditable && el.getAttribute('contenteditable') !== null) return 'textbox';
        return '';
    }
  }

  function roleOf(el) {
    const r = (el.getAttribute('role') || '').trim().split(/\s+/)[0].toLowerCase();
    if (r === 'none' || r === 'presentation' || r === 'generic') return '';
    return r || implicitRole(el);
  }

  function firstText(el) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const s = norm(n.data);
      if (!s) continue;
      const skip = n.parentElement && n.parentElement.closest(FIRST_TEXT_SKIP);
      if (skip && skip !== el && el.contains(skip)) continue;
      return cap(s, 60);
    }
    return '';
  }

  function isContainer(el, role) {
    const t = el.tagName.toUpperCase();
    if (CONT_TAGS.has(t) || CONT_ROLES.has(role)) return true;
    return t === 'DIV' && typeof el.className === 'string' && CARD_RE.test(el.className);
  }

  function containerLabel(el, role) {
    const al = attr(el, 'aria-label');
    if (al) return cap(al, 80);
    const by = labelledBy(el);
    if (by) return cap(by, 80);
    const t = el.tagName.toUpperCase();
    if (t === 'TR' || t === 'LI' || role === 'row' || role === 'listitem') return firstText(el);
    const heads = el.querySelectorAll(HEADINGS);
    for (let i = 0; i < heads.length && i < 5; i++) {
      let own = true;
      for (let p = heads[i].parentElement; p && p !== el; p = p.parentElement) {
        if (isContainer(p, roleOf(p))) { own = false; break; }
      }
      if (own) return cap(contentText(heads[i], 120), 80);
    }
    return t === 'DIV' ? firstText(el) : '';
  }

  function parentOf(el) {
    if (el.parentElement) return el.parentElement;
    const root = el.parentNode;
    return root && root.host ? root.host : null;
  }

  function collect(root, out) {
    for (const el of root.querySelectorAll('*')) {
      out.push(el);
      if (el.shadowRoot) collect(el.shadowRoot, out);
    }
    return out;
  }

  function cssPath(el) {
    if (!el || !el.isConnected) return '';
    const parts = [];
    for (let cur = el; cur && cur.nodeType === 1; cur = cur.parentElement) {
      const tag = cur.tagName.toLowerCase();
      if (cur.id && !UNSTABLE_ID.test(cur.id)) {
        const idSel = '#' + CSS.escape(cur.id);
        if (document.querySelectorAll(idSel).length === 1) {
          parts.unshift(idSel);
          return parts.join(' > ');
        }
      }
      let seg = tag;
      const parent = cur.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.tagName === cur.tagName);
        if (same.length > 1) seg += ':nth-of-type(' + (same.indexOf(cur) + 1) + ')';
      }
      parts.unshift(seg);
      const sel = parts.join(' > ');
      const found = document.querySelectorAll(sel);
      if (found.length === 1 && found[0] === el) return sel;
      if (tag === 'html') break;
    }
    return parts.join(' > ');
  }

  // What a control without a name says about itself (elements/icons.py reads it):
  // [source, value] pairs from it and a few of its descendants: classes, id, data-*
  // attributes, title / aria-label, an inline SVG's <title> and <use href>, and
  // CSS-generated content (::before / ::after: the × a stylesheet draws).
  function iconEvidence(el) {
    const out = [];
    const add = (src, v) => {
      const s = norm(v);
      if (s && out.length < 24) out.push([src, cap(s, 60)]);
    };
    const visit = (e, own) => {
      const cls = typeof e.className === 'string' ? e.className
        : (e.className && e.className.baseVal) || '';
      if (!own) {
        add('class', cls);
        if (e.id) add('id', e.id);
        add('title', e.getAttribute('title'));
        add('aria-label', e.getAttribute('aria-label'));
      }
      for (const a of e.attributes) {
        if (a.name.startsWith('data-') && a.value.length <= 60) {
          add('data', a.name.slice(5) + ' ' + a.value);
        }
      }
      if (e.tagName.toUpperCase() === 'SVG') {
        const title = e.querySelector('title');
        if (title) add('svg-title', title.textContent);
        for (const u of e.querySelectorAll('use')) {
          const href = u.getAttribute('href') || u.getAttribute('xlink:href') || '';
          add('svg-use', href.replace(/^.*#/, ''));
        }
      }
      for (const pseudo of ['::before', '::after']) {
        const c = getComputedStyle(e, pseudo).content;
        if (c && c !== 'none' && c !== 'normal') add('css', c.replace(/^["']|["']$/g, ''));
      }
    };
    visit(el, true);
    const inner = el.querySelectorAll('*');
    for (let i = 0; i < inner.length && i < 8; i++) visit(inner[i], false);
    return out;
  }
