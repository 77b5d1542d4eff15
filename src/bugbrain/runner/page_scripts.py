"""The page scripts: JavaScript functions the runner hands to ``page.evaluate``.

They live as files in ``runner/js/`` (package data), so an editor and a linter
see JavaScript. One ``evaluate`` cannot import another, so the shared helpers
(``dom_helpers.js``) are inlined at each script's ``/* @dom-helpers */`` marker,
and each file's header comment is dropped: Playwright gets the bare function.

* ``SNAPSHOT_JS``: the page side of ``locate`` (``snapshot.js``);
* ``FINGERPRINT_JS``: the page side of healing (``fingerprint.js``).
"""

from __future__ import annotations

from importlib import resources
from typing import Final

_HELPERS_MARKER: Final = "/* @dom-helpers */"


def _read(name: str) -> str:
    return (resources.files(__package__ or "bugbrain.runner") / "js" / name).read_text("utf-8")


def _without_header(source: str) -> str:
    """The source from its first line that is code (the header is one /* */ block)."""
    if source.startswith("/*"):
        source = source[source.index("*/") + 2 :]
    return source.lstrip("\n")


def load(name: str) -> str:
    """``js/<name>`` ready for ``evaluate``: header dropped, helpers inlined."""
    script = _without_header(_read(name))
    if _HELPERS_MARKER in script:
        script = script.replace(_HELPERS_MARKER, _without_header(_read("dom_helpers.js")))
    return script


SNAPSHOT_JS: Final = load("snapshot.js")
FINGERPRINT_JS: Final = load("fingerprint.js")
