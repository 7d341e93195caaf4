"""Check received calls against Slack's published Web API spec (OpenAPI 2.0, Oct 2020).

The spec is old and generated, so it is a floor, not the truth (see
/work/shared/slack-api/README.md). The corrections below are kept small and documented:

* `ACCEPTED_EVERYWHERE`: `token` (sent in the `Authorization` header, or as a form field by
  old clients) and `team_id` (Slack accepts it on every call; Bolt may add it).
* `EXTRA_PARAMS`: current arguments Slack documents that the spec lacks (``oauth.v2.access``'s
  ``grant_type=refresh_token`` and ``refresh_token``, for token rotation).
* `ADDED_METHODS`: methods newer than the spec (``apps.connections.open``, January 2021: no
  arguments, the app-level token in the ``Authorization`` header).
* `REQUIRED`: where the spec's `required` flags are wrong; each entry replaces the spec's
  required set and adds "one of" groups (e.g. views.open needs `trigger_id` or
  `interactivity_pointer`; a message needs text, blocks, attachments or markdown_text).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCEPTED_EVERYWHERE = frozenset({"token", "team_id"})

EXTRA_PARAMS: dict[str, frozenset[str]] = {
    "chat.postMessage": frozenset(
        {"metadata", "markdown_text", "current_draft_last_updated_ts", "container_id"}
    ),
    "chat.update": frozenset(
        {"metadata", "markdown_text", "file_ids", "reply_broadcast", "unfurled_attachments"}
    ),
    "chat.postEphemeral": frozenset({"metadata", "markdown_text"}),
    "views.open": frozenset({"interactivity_pointer"}),
    "views.push": frozenset({"interactivity_pointer"}),
    "views.publish": frozenset({"interactivity_pointer"}),
    "conversations.open": frozenset({"prevent_creation"}),
    "oauth.v2.access": frozenset({"grant_type", "refresh_token"}),  # token rotation (2021)
}

_MESSAGE_CONTENT = frozenset({"text", "blocks", "attachments", "markdown_text"})
_POINTER = frozenset({"trigger_id", "interactivity_pointer"})


@dataclass(frozen=True)
class Required:
    """Arguments a method needs: all of `all_of`, and at least one of each `one_of` group."""

    all_of: frozenset[str] = frozenset()
    one_of: tuple[frozenset[str], ...] = ()


REQUIRED: dict[str, Required] = {
    "chat.postMessage": Required(frozenset({"channel"}), (_MESSAGE_CONTENT,)),
    "chat.update": Required(frozenset({"channel", "ts"}), (_MESSAGE_CONTENT,)),
    "chat.postEphemeral": Required(frozenset({"channel", "user"}), (_MESSAGE_CONTENT,)),
    "views.open": Required(frozenset({"view"}), (_POINTER,)),
    "views.push": Required(frozenset({"view"}), (_POINTER,)),
    "views.update": Required(frozenset({"view"}), (frozenset({"view_id", "external_id"}),)),
    "users.info": Required(frozenset({"user"})),
    "users.lookupByEmail": Required(frozenset({"email"})),
    "conversations.open": Required(one_of=(frozenset({"channel", "users"}),)),
    "conversations.info": Required(frozenset({"channel"})),
    "oauth.v2.access": Required(one_of=(frozenset({"code", "refresh_token"}),)),
}


@dataclass(frozen=True)
class MethodSpec:
    """The arguments one method takes, and those it requires."""

    name: str
    params: frozenset[str]
    required: Required = field(default_factory=Required)


def _method_spec(name: str, operation: Mapping[str, Any]) -> MethodSpec:
    args = [p for p in operation.get("parameters", []) if p.get("in") in ("formData", "query")]
    names = frozenset(p["name"] for p in args) | EXTRA_PARAMS.get(name, frozenset())
    required = frozenset(p["name"] for p in args if p.get("required")) - ACCEPTED_EVERYWHERE
    return MethodSpec(name, names, REQUIRED.get(name, Required(required)))


ADDED_METHODS: dict[str, MethodSpec] = {
    "apps.connections.open": MethodSpec("apps.connections.open", frozenset()),
}


class ApiSpec:
    """The methods of the spec, each with its known and required arguments."""

    def __init__(self, methods: Mapping[str, MethodSpec]) -> None:
        self.methods = dict(methods)

    @classmethod
    def load(cls, path: str | Path) -> ApiSpec:
        """Read the spec file (cached per path; it is 1.2 MB)."""
        return _load(str(Path(path).resolve()))

    def check(self, method: str, params: Mapping[str, Any]) -> list[str]:
        """How a call differs from the spec: unknown method, missing or unknown arguments."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"method {method!r} is not in Slack's Web API spec"]
        sent = {k for k, v in params.items() if v is not None}
        problems = [f"missing required argument {a!r}" for a in sorted(spec.required.all_of - sent)]
        for group in spec.required.one_of:
            if not group & sent:
                problems.append(f"needs one of {sorted(group)}")
        unknown = sent - spec.params - ACCEPTED_EVERYWHERE
        problems.extend(f"argument {a!r} is not in Slack's spec" for a in sorted(unknown))
        return problems


@functools.lru_cache(maxsize=4)
def _load(path: str) -> ApiSpec:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    methods: dict[str, MethodSpec] = {}
    for route, verbs in document["paths"].items():
        name = route.lstrip("/")
        for operation in verbs.values():
            methods[name] = _method_spec(name, operation)
    return ApiSpec({**ADDED_METHODS, **methods})
