"""Schemathesis extension for ``tests.support.fuzz_api`` (``SCHEMATHESIS_HOOKS``).

1. ``positive_data_acceptance`` fails a request that fits the schema but is
answered anything but 2xx/401/403/404/409. Bodies name other objects by id
(``project_id``, ``test_plan_id``, ``test_case_ids[n]``, ``environment``), and
an id that fits the schema may name nothing: the API answers that with 422 and
the field, which no schema can rule out. So the fuzz run lets that check accept
422 (``expected-statuses`` in the generated config), and this check takes its
place for 422: a schema-valid request may be refused only for references to
objects that do not exist (or cannot be used), never for anything the schema
could have said (an empty name, a bad URL, a number out of range).

2. The seed (a project, its cheap test case and plan, see ``fuzz_api.seed``)
must last: the fuzzer learns ids from responses and would delete the project,
or empty the plan, early on, leaving every later execution a 422. Until the
stateful phase (the last; its checks follow an id from the response that gave
it to the next request, which a changed id would defeat), changes and
deletions aimed at the seeded objects go to an id that does not exist instead
(``404``, a documented answer): everything else about the request is kept.
"""

from __future__ import annotations

import os
import re
from typing import Any

import schemathesis

# (field, message) of the 422s that are about what an id refers to.
# (Ids may hold any character, whitespace and controls included.)
_DANGLING = [
    (r"project_id", r"project .+ not found"),
    (r"test_plan_id", r"test plan .+ (not found|belongs to .+|has no active test cases to run)"),
    (r"test_case_ids\[\d+\]", r"test case .+ (not found|belongs to another project)"),
    (r"(default_)?environment", r"unknown environment .+"),
    # A cron expression's shape is in its pattern; each field's range (minute
    # 0-59, day 1-31, names of months and days) is more than a pattern should say.
    (r"cron", r".+ is not a valid cron expression"),
    # No string may hold NUL (U+0000): PostgreSQL's text cannot store it. The
    # schema does not say so: a JSON Schema string has one pattern, and ours
    # already carry theirs (not blank, an URL, a name's characters).
    (r".+", re.escape("must not contain the NUL character (U+0000)")),
]


def _dangling(detail: dict[str, Any]) -> bool:
    field, message = str(detail.get("field")), str(detail.get("message"))
    return any(re.fullmatch(f, field) and re.fullmatch(m, message, re.DOTALL) for f, m in _DANGLING)


@schemathesis.check
def refused_only_for_dangling_references(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request answered 422 must name only missing objects."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        details = response.json()["error"]["details"]
    except (ValueError, KeyError, TypeError):
        details = []
    if details and all(_dangling(d) for d in details):
        return None
    raise AssertionError(
        "Schema-valid data was refused for something the schema could have said: "
        f"{response.text[:500]}"
    )


# Comma-separated ids of the seeded project, test case and plan.
PROTECTED = frozenset(filter(None, os.environ.get("BUGBRAIN_FUZZ_PROTECTED", "").split(",")))


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.method.upper() not in {"PATCH", "DELETE"} or not case.path_parameters:
        return
    if case.meta is not None and case.meta.phase.name == "stateful":
        return  # the last phase: its checks follow ids from response to request
    for name, value in case.path_parameters.items():
        if value in PROTECTED:
            case.path_parameters[name] = f"{value.split('_', 1)[0]}_protected"
