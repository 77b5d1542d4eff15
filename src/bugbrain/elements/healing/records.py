"""Self-healing records (pure): the :class:`Fingerprint` a passing step stores, the
:class:`Candidate` elements of a page now, and the :class:`Snapshot` that decodes them
from the records of ``runner/js/fingerprint.js``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, TypeVar

from bugbrain.elements import dom as dom_snapshot
from bugbrain.elements.healing.text import segment, stable_classes

FINGERPRINT_VERSION: Final = 1

Pairs = tuple[tuple[str, str], ...]
Box = tuple[float, float, float, float]


def _pairs(raw: Any) -> Pairs:
    if not isinstance(raw, Mapping):
        return ()
    return tuple((str(k), str(v)) for k, v in raw.items() if v)


def _box(raw: Any) -> Box | None:
    if isinstance(raw, list | tuple) and len(raw) == 4:
        try:
            return (float(raw[0]), float(raw[1]), float(raw[2]), float(raw[3]))
        except (TypeError, ValueError):
            return None
    return None


@dataclass(slots=True)
class Fingerprint:
    """What a passing step's element looked like (JSON: :meth:`to_dict`)."""

    tag: str = ""
    id: str = ""
    classes: tuple[str, ...] = ()
    text: str = ""
    name: str = ""  # accessible name
    role: str = ""
    name_attr: str = ""
    placeholder: str = ""
    type: str = ""
    value: str = ""  # label of an <input type=submit|button|reset>
    test_ids: Pairs = ()  # (data-testid, "checkout") ...
    aria: Pairs = ()
    attrs: Pairs = ()  # href, title, alt, for
    path: tuple[str, ...] = ()  # ancestors, nearest first: "div#main.card"
    context: tuple[str, ...] = ()  # labels of the enclosing containers, nearest first
    index: int = 1  # among same-tag siblings, 1-based
    box: Box | None = None  # x, y, width, height in document coordinates
    visible: bool = True
    enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": FINGERPRINT_VERSION,
            "tag": self.tag,
            "id": self.id,
            "classes": list(self.classes),
            "text": self.text,
            "accessible_name": self.name,
            "role": self.role,
            "name": self.name_attr,
            "placeholder": self.placeholder,
            "type": self.type,
            "value": self.value,
            "test_ids": dict(self.test_ids),
            "aria": dict(self.aria),
            "attributes": dict(self.attrs),
            "path": list(self.path),
            "context": list(self.context),
            "index": self.index,
            "box": list(self.box) if self.box is not None else None,
            "visible": self.visible,
            "enabled": self.enabled,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Fingerprint | None:
        """The fingerprint :meth:`to_dict` wrote; None when ``d`` is not one."""
        if not isinstance(d, Mapping) or not isinstance(d.get("tag"), str) or not d["tag"]:
            return None

        def s(key: str) -> str:
            v = d.get(key)
            return v if isinstance(v, str) else ""

        def strings(key: str) -> tuple[str, ...]:
            v = d.get(key)
            return tuple(str(x) for x in v if x) if isinstance(v, list | tuple) else ()

        index = d.get("index")
        return cls(
            tag=s("tag"),
            id=s("id"),
            classes=strings("classes"),
            text=s("text"),
            name=s("accessible_name"),
            role=s("role"),
            name_attr=s("name"),
            placeholder=s("placeholder"),
            type=s("type"),
            value=s("value"),
            test_ids=_pairs(d.get("test_ids")),
            aria=_pairs(d.get("aria")),
            attrs=_pairs(d.get("attributes")),
            path=strings("path"),
            context=strings("context"),
            index=index if isinstance(index, int) and index > 0 else 1,
            box=_box(d.get("box")),
            visible=d.get("visible") is not False,
            enabled=d.get("enabled") is not False,
        )

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Fingerprint:
        """From the page's ``fingerprint`` record (ancestors in ``anc``, labels in ``ctx``)."""
        anc = rec.get("anc") or []
        path = tuple(
            segment(str(a.get("t", "")), str(a.get("id", "")), str(a.get("c", "")))
            for a in anc
            if isinstance(a, Mapping)
        )
        ctx = tuple(str(x) for x in rec.get("ctx") or [] if x)
        return _record_fields(cls, rec, path, ctx)


@dataclass(slots=True)
class Candidate(Fingerprint):
    """One element of the page now that may be the target (one snapshot record)."""

    node: int = -1  # record index in the snapshot
    parent: int = -1
    clickable: bool = False
    editable: bool = False
    id_unique: bool = False
    test_id_unique: bool = False


@dataclass(slots=True)
class Node:
    """Any element of the page (every snapshot record): for ancestors and scopes."""

    parent: int = -1
    tag: str = ""
    role: str = ""
    id: str = ""
    test_ids: Pairs = ()
    classes: str = ""
    id_unique: bool = False
    test_id_unique: bool = False
    container: bool = False
    label: str = ""  # a container's label ("Blue Mug" for a product card)


def _record_fields(
    cls: type[_F],
    rec: Mapping[str, Any],
    path: tuple[str, ...],
    ctx: tuple[str, ...],
    **extra: Any,
) -> _F:
    text = str(rec.get("x", ""))
    return cls(
        tag=str(rec.get("t", "")),
        id=str(rec.get("id", "")),
        classes=stable_classes(str(rec.get("c", ""))),
        text=text,
        name=str(rec.get("n", text)),
        role=str(rec.get("r", "")),
        name_attr=str(rec.get("nm", "")),
        placeholder=str(rec.get("ph", "")),
        type=str(rec.get("ty", "")),
        value=str(rec.get("v", "")),
        test_ids=_pairs(rec.get("ti")),
        aria=_pairs(rec.get("ar")),
        attrs=_pairs(rec.get("at")),
        path=path,
        context=ctx,
        index=int(rec.get("i", 1)),
        box=_box(rec.get("b")),
        visible=not rec.get("h"),
        enabled=not rec.get("d"),
        **extra,
    )


_F = TypeVar("_F", bound=Fingerprint)

PATH_DEPTH: Final = 5
CONTEXT_DEPTH: Final = 3


class Snapshot:
    """One snapshot of the page (the records of ``runner/js/fingerprint.js``): the elements that
    may be the target (:attr:`full`; :meth:`candidate` builds one, with its ancestors'
    path and container labels) and their ancestors (:meth:`node`, index = record).

    Objects are built on demand: a search decodes only the records it scores."""

    def __init__(self, recs: Sequence[Mapping[str, Any]], truncated: bool = False) -> None:
        self.recs = recs
        self.truncated = truncated
        parents: list[int] = []
        full: list[int] = []
        for k, rec in enumerate(recs):
            p = rec.get("p", -1)
            parents.append(p if isinstance(p, int) and 0 <= p < k else -1)
            if rec.get("f"):
                full.append(k)
        self.parents: list[int] = parents
        self.full: list[int] = full
        self._cands: dict[int, Candidate] = {}
        # The ancestors' path / container labels a record gives its children.
        self._paths: dict[int, tuple[str, ...]] = {}
        self._labels: dict[int, tuple[str, ...]] = {}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        recs = data.get("recs")
        return cls(recs if isinstance(recs, list) else [], bool(data.get("truncated")))

    def __len__(self) -> int:
        return len(self.recs)

    def node(self, k: int) -> Node:
        rec = self.recs[k]
        return Node(
            parent=self.parents[k],
            tag=str(rec.get("t", "")),
            role=str(rec.get("r", "")),
            id=str(rec.get("id", "")),
            test_ids=_pairs(rec.get("ti")),
            classes=str(rec.get("c", "")),
            id_unique=bool(rec.get("u")),
            test_id_unique=bool(rec.get("tu")),
            container=bool(rec.get("cn")),
            label=str(rec.get("lb", "")),
        )

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        return tuple(self.node(k) for k in range(len(self.recs)))

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        return tuple(self.candidate(k) for k in self.full)

    def candidate(self, k: int) -> Candidate:
        found = self._cands.get(k)
        if found is None:
            rec = self.recs[k]
            p = self.parents[k]
            found = _record_fields(
                Candidate,
                rec,
                self._child_paths(p) if p >= 0 else (),
                self._child_labels(p) if p >= 0 else (),
                node=k,
                parent=p,
                clickable=bool(rec.get("k")),
                editable=bool(rec.get("e")),
                id_unique=bool(rec.get("u")),
                test_id_unique=bool(rec.get("tu")),
            )
            self._cands[k] = found
        return found

    def ancestors(self, k: int) -> Iterator[int]:
        """Record indices of the proper ancestors of ``k``, nearest first."""
        seen = 0
        p = self.parents[k] if 0 <= k < len(self.parents) else -1
        while p >= 0 and seen < 500:
            yield p
            p = self.parents[p]
            seen += 1

    def _chain(self, k: int, memo: Mapping[int, tuple[str, ...]]) -> list[int]:
        """``k`` and its ancestors up to the first one in ``memo``, top-most first."""
        chain: list[int] = []
        while k >= 0 and k not in memo and len(chain) < 500:
            chain.append(k)
            k = self.parents[k]
        chain.reverse()
        return chain

    def _child_paths(self, k: int) -> tuple[str, ...]:
        for j in self._chain(k, self._paths):
            rec, p = self.recs[j], self.parents[j]
            above = self._paths.get(p, ()) if p >= 0 else ()
            seg = segment(str(rec.get("t", "")), str(rec.get("id", "")), str(rec.get("c", "")))
            self._paths[j] = (seg, *above)[:PATH_DEPTH]
        return self._paths.get(k, ())

    def _child_labels(self, k: int) -> tuple[str, ...]:
        for j in self._chain(k, self._labels):
            label, p = self.recs[j].get("lb"), self.parents[j]
            above = self._labels.get(p, ()) if p >= 0 else ()
            self._labels[j] = (str(label), *above)[:CONTEXT_DEPTH] if label else above
        return self._labels.get(k, ())


def as_dom_candidate(c: Fingerprint) -> dom_snapshot.Candidate:
    """The locator machinery's record of ``c`` (for its selector plans and role rules)."""
    test_attr, test_id = c.test_ids[0] if c.test_ids else ("data-testid", "")
    cand = c if isinstance(c, Candidate) else None
    return dom_snapshot.Candidate(
        node=cand.node if cand else -1,
        tag=c.tag,
        role=c.role,
        name=c.name,
        placeholder=c.placeholder,
        title=next((v for k, v in c.attrs if k == "title"), ""),
        alt=next((v for k, v in c.attrs if k == "alt"), ""),
        value=c.value,
        test_id=test_id,
        test_attr=test_attr,
        text=c.text,
        id=c.id,
        name_attr=c.name_attr,
        classes=" ".join(c.classes),
        type=c.type,
        visible=c.visible,
        enabled=c.enabled,
        clickable=cand.clickable if cand else False,
        editable=cand.editable if cand else False,
        box=c.box or (0.0, 0.0, 0.0, 0.0),
        id_unique=cand.id_unique if cand else False,
        test_id_unique=cand.test_id_unique if cand else False,
    )
