/*
 * JavaScript helpers shared by the page scripts (snapshot.js, fingerprint.js):
 * visible content text and ARIA roles, explicit or implicit. One page.evaluate
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
