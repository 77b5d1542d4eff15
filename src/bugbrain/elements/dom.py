"""The records one DOM snapshot (``runner/js/snapshot.js``) returns, decoded from its JSON.

:class:`Snapshot` holds the page tree (:class:`Node`) and the elements a step may be
about (:class:`Candidate`); scoring happens in :mod:`bugbrain.elements.candidates`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntFlag
from typing import Any, Final

# Records one snapshot returns at most.
MAX_RECORDS: Final = 5000
# Ancestors walked at most (guards against a malformed parent chain).
_MAX_DEPTH: Final = 500


class Mark(IntFlag):
    """The query texts an element contains, as the page script sets them (``m``)."""

    NONE = 0
    WITHIN = 1  # the container's text ("on the Blue Mug card")
    NEAR = 2  # the neighbour's text ("next to Buy milk")
    TARGET = 4  # the target's own text
    ALL = WITHIN | NEAR | TARGET


@dataclass(slots=True)
class Node:
    """An element of the page: a candidate or an ancestor of one."""

    parent: int = -1
    tag: str = ""
    role: str = ""
    # Heading / legend / aria-label of a container ("Blue Mug" for a product card).
    label: str = ""
    # Length of the text inside (with the probes below lower-cased); 0 when unknown.
    text_len: int = 0
    # Which of the query's texts the element contains (see :class:`Mark`).
    marks: Mark = Mark.NONE
    container: bool = False
    # A container styled as a card / tile / product (for "on the Blue Mug card").
    card: bool = False


@dataclass(slots=True)
class Candidate:
    """One element a step might be about, as the page showed it."""

    node: int
    order: int = 0
    tag: str = ""
    role: str = ""
    name: str = ""
    label: str = ""
    placeholder: str = ""
    title: str = ""
    alt: str = ""
    value: str = ""
    test_id: str = ""
    test_attr: str = "data-testid"
    text: str = ""
    id: str = ""
    name_attr: str = ""
    classes: str = ""
    type: str = ""
    visible: bool = True
    enabled: bool = True
    clickable: bool = False
    editable: bool = False
    box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    # For a <label>: the node of its control and the control's role.
    control: int = -1
    control_role: str = ""
    id_unique: bool = False
    test_id_unique: bool = False
    # What an icon-only control says about itself: (source, value) pairs such as
    # ("class", "destroy") or ("css", "×"); read only when the words name a control
    # by what it does (see ``elements.icons``).
    icons: tuple[tuple[str, str], ...] = ()

    def names(self) -> tuple[str, ...]:
        """The names a person sees, most telling first (no identifiers)."""
        return (
            self.name,
            self.label,
            self.text,
            self.placeholder,
            self.title,
            self.alt,
            self.value,
        )

    @classmethod
    def from_json(cls, order: int, rec: Mapping[str, Any]) -> Candidate:
        b = rec.get("box") or (0, 0, 0, 0)
        return cls(
            node=int(rec["k"]),
            order=order,
            tag=str(rec.get("tag", "")),
            role=str(rec.get("role", "")),
            name=str(rec.get("an", "")),
            label=str(rec.get("lab", "")),
            placeholder=str(rec.get("ph", "")),
            title=str(rec.get("ti", "")),
            alt=str(rec.get("alt", "")),
            value=str(rec.get("val", "")),
            test_id=str(rec.get("tid", "")),
            test_attr=str(rec.get("ta", "data-testid")),
            text=str(rec.get("txt", "")),
            id=str(rec.get("id", "")),
            name_attr=str(rec.get("nm", "")),
            classes=str(rec.get("cls", "")),
            type=str(rec.get("ty", "")),
            visible=not rec.get("hid", False),
            enabled=not rec.get("dis", False),
            clickable=bool(rec.get("clk", False)),
            editable=bool(rec.get("ce", False)),
            box=(float(b[0]), float(b[1]), float(b[2]), float(b[3])),
            control=int(rec.get("ctl", -1)),
            control_role=str(rec.get("ctlrole", "")),
            id_unique=bool(rec.get("uid", False)),
            test_id_unique=bool(rec.get("utid", False)),
            icons=tuple((str(p[0]), str(p[1])) for p in rec.get("ico", ()) if len(p) == 2),
        )


@dataclass(frozen=True)
class Snapshot:
    nodes: tuple[Node, ...]
    candidates: tuple[Candidate, ...]
    truncated: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        nodes = tuple(
            Node(
                parent=int(n.get("p", -1)),
                tag=str(n.get("tag", "")),
                role=str(n.get("role", "")),
                label=str(n.get("lab", "")),
                text_len=int(n.get("len", 0)),
                marks=Mark(int(n.get("m", 0)) & Mark.ALL),
                container=bool(n.get("c", False)),
                card=bool(n.get("card", False)),
            )
            for n in data.get("nodes", ())
        )
        cands = tuple(Candidate.from_json(i, rec) for i, rec in enumerate(data.get("cands", ())))
        return cls(nodes, cands, bool(data.get("truncated", False)))

    def ancestors(self, node: int) -> Iterable[int]:
        """Proper ancestors of ``node``, nearest first."""
        seen = 0
        current = self.nodes[node].parent if 0 <= node < len(self.nodes) else -1
        while 0 <= current < len(self.nodes) and seen < _MAX_DEPTH:
            yield current
            current = self.nodes[current].parent
            seen += 1
