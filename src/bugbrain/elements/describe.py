"""How an element is named to a person, in every message and report (pure).

``button "Add to cart"``, with an identifier hint where one tells it apart:
``button "Add to cart" (.add-btn)``. Locating and healing read the page into
different records (``elements.dom`` and ``elements.healing.records``); each
passes its element's kind, names and hint here, so both say it the same way.
"""

from __future__ import annotations

from collections.abc import Iterable


def clip(text: str, limit: int = 40) -> str:
    """``text`` on one line, cut with an ellipsis past ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(kind: str, names: Iterable[str], hint: str = "") -> str:
    """``kind "first non-empty name" (hint)``; ``element`` when the kind is unknown."""
    kind = kind or "element"
    name = next((n for n in names if n.strip()), "")
    out = f'{kind} "{clip(name)}"' if name else kind
    return f"{out} ({clip(hint)})" if hint else out
