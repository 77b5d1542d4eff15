"""The real-app corpus (tests/corpus/real/) is what its SOURCE files say, and its
plain-English tests say the same thing on every app."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.corpus.real_apps import APPS, DELETE_PHRASINGS, REAL, flow, plain_english, steps


def test_every_app_directory_is_in_the_table() -> None:
    assert sorted(p.name for p in REAL.iterdir() if p.is_dir()) == sorted(APPS)


@pytest.mark.parametrize("name", sorted(APPS))
def test_files_are_as_published(name: str) -> None:
    """Every vendored file is listed in SOURCE with its size and sha256, and none
    has been edited since (nor any added)."""
    root = APPS[name].root
    source = (root / "SOURCE").read_text()
    assert "todomvc@0.1.1" in source
    assert (root / "LICENSE").read_text().startswith(f"The TodoMVC {name} example")
    listed = {
        path: (int(size), digest)
        for size, digest, path in re.findall(r"^ *(\d+) ([0-9a-f]{64}) (\S+)$", source, re.M)
    }
    present = {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name not in ("SOURCE", "LICENSE")
    }
    assert sorted(listed) == sorted(present)
    for path, data in present.items():
        assert listed[path] == (len(data), hashlib.sha256(data).hexdigest()), path


def test_same_sentences_on_every_app_but_the_delete() -> None:
    tests = {name: plain_english(app) for name, app in APPS.items()}
    shared = [s for s in tests["vanillajs"] if s not in DELETE_PHRASINGS]
    for name, sentences in tests.items():
        assert [s for s in sentences if s not in DELETE_PHRASINGS] == shared, name
        assert [s for s in sentences if s in DELETE_PHRASINGS] == [APPS[name].delete]
    assert {app.delete for app in APPS.values()} == set(DELETE_PHRASINGS)


def test_steps_swap_a_sentence_for_its_explicit_steps() -> None:
    app = APPS["dojo"]
    test = flow(app)
    delete = next(i for i, step in enumerate(test) if step.words == app.delete)
    specs = steps(test, explicit={delete}, delete=DELETE_PHRASINGS[0])
    assert [s["step_id"] for s in specs][delete : delete + 3] == [
        f"s{delete + 1}a",
        f"s{delete + 1}b",
        f"s{delete + 2}",
    ]
    assert specs[delete]["action"] == "hover"
    assert specs[delete + 1]["selector"] == (
        '#todo-list > li:has-text("Water the plants") button.destroy'
    )
    assert all(s["description"] for i, s in enumerate(specs) if i not in (delete, delete + 1))
    assert steps(test, delete=DELETE_PHRASINGS[0])[delete]["description"] == DELETE_PHRASINGS[0]
