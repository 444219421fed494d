"""What a Slack Web API answer must look like before the notifier reads it (pure).

slack_sdk checks `ok`; it does not check the rest. A proxy, a captive portal or a broken
GovSlack gateway can answer `{"ok": "yes", "channel": 5}`, and indexing into that was an
internal error (exit 3) instead of a delivery left pending. `well_formed` checks exactly the
fields `SlackNotifier` reads, per method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _object(*keys: str) -> Callable[[Any], bool]:
    """A mapping whose `keys` are text, and whose `metadata` (with its `event_payload`), when
    present, is a mapping too (a post is found again by the key in it)."""

    def check(value: Any) -> bool:
        if not isinstance(value, Mapping) or not all(_text(value.get(key)) for key in keys):
            return False
        metadata = value.get("metadata")
        if metadata is None:
            return True
        payload = metadata.get("event_payload") if isinstance(metadata, Mapping) else None
        return isinstance(metadata, Mapping) and (payload is None or isinstance(payload, Mapping))

    return check


def _objects(*keys: str) -> Callable[[Any], bool]:
    one = _object(*keys)
    return lambda value: value is None or (isinstance(value, list) and all(one(item) for item in value))


# method -> the fields the notifier reads from its answer, and what each must be
_SHAPES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "conversations.info": {"channel": _object("id")},
    "conversations.create": {"channel": _object("id")},
    "conversations.list": {"channels": _objects("id")},
    "conversations.history": {"messages": _objects("ts")},
    "chat.postMessage": {"channel": _text, "ts": _text},
    "users.lookupByEmail": {"user": _object("id")},
}


def well_formed(method: str, data: Mapping[str, Any]) -> bool:
    if data.get("response_metadata") is not None and not isinstance(data["response_metadata"], Mapping):
        return False
    return all(check(data.get(key)) for key, check in _SHAPES.get(method, {}).items())
