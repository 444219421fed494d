"""The Slack Web API subset incident-kit uses, as state plus one handler per method.

Answers like Slack: HTTP 200 with `{"ok": false, "error": "<code>"}` for refusals, the real
error codes (`name_taken`, `already_in_channel`, `cant_invite_self`, …), cursor pagination in
`conversations.list`, and Block Kit limits checked on `chat.*`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BOT_USER_ID = "UBOT0001"
# a bot token created from the README's app manifest
ALL_BOT_SCOPES = (
    "channels:history",
    "channels:join",
    "channels:manage",
    "channels:read",
    "channels:write.invites",
    "channels:write.topic",
    "chat:write",
    "users:read.email",
)
_NAME_OK = re.compile(r"^[a-z0-9_-]+$")
Response = tuple[int, dict[str, str], Any]


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_private": False,
            "is_archived": self.is_archived,
            "is_member": BOT_USER_ID in self.members,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
        }


class FakeSlack:
    def __init__(self, token: str) -> None:
        self.token = token
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, str] = {BOT_USER_ID: "bot@example.com"}  # id → email
        self.page_size = 100  # conversations.list never returns more per page
        self._seq = 0
        # what the token was granted: Slack reports it in the x-oauth-scopes header
        self.scopes: set[str] = set(ALL_BOT_SCOPES)

    # --- seeding and reading state ----------------------------------------------------

    def add_user(self, email: str) -> str:
        user_id = f"U{len(self.users):07d}"
        self.users[user_id] = email
        return user_id

    def add_channel(
        self,
        name: str,
        *,
        purpose: str = "",
        topic: str = "",
        archived: bool = False,
        creator: str = "UHUMAN01",
        bot_member: bool = True,
    ) -> str:
        self._seq += 1
        channel = Channel(f"C{self._seq:08d}", name, creator, topic, purpose, archived)
        if bot_member:
            channel.members.add(BOT_USER_ID)
        self.channels[channel.id] = channel
        return channel.id

    def by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels.values() if c.name == name), None)

    def posts(self, channel_id: str) -> list[dict[str, Any]]:
        """Messages posted by the bot (not the topic-change lines Slack adds)."""
        return [m for m in self.channels[channel_id].messages if "subtype" not in m]

    # --- dispatch -------------------------------------------------------------------

    def handle(self, method: str, auth: str, args: dict[str, Any]) -> Response:
        if auth != f"Bearer {self.token}":
            return _error("invalid_auth")
        route: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
            self, "_" + method.replace(".", "_"), None
        )
        if route is None:
            return 404, {}, {"ok": False, "error": "unknown_method"}
        # like Slack, every answer to a valid token says what it may do
        headers = {"x-oauth-scopes": ",".join(sorted(self.scopes))}
        try:
            return 200, headers, {"ok": True, **route(args)}
        except _SlackError as exc:
            return 200, headers, {"ok": False, "error": exc.code, **exc.extra}

    # --- methods ----------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"user_id": BOT_USER_ID, "user": "incident-kit", "team_id": "T0001"}

    def _conversations_create(self, args: dict[str, Any]) -> dict[str, Any]:
        name = str(args.get("name") or "")
        if not name:
            raise _SlackError("invalid_name_required")
        if len(name) > 80:
            raise _SlackError("invalid_name_maxlength")
        if not _NAME_OK.match(name):
            raise _SlackError("invalid_name_specials")
        if self.by_name(name) is not None:  # archived channels keep their names
            raise _SlackError("name_taken")
        channel_id = self.add_channel(name, creator=BOT_USER_ID)
        return {"channel": self.channels[channel_id].as_json()}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._channel(args).as_json()}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        everything = list(self.channels.values())
        if _flag(args.get("exclude_archived")):
            everything = [c for c in everything if not c.is_archived]
        start = int(args.get("cursor") or 0)
        limit = min(int(args.get("limit") or 100), self.page_size)
        page = everything[start : start + limit]
        more = start + limit < len(everything)
        return {
            "channels": [c.as_json() for c in page],
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_setPurpose(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(args)
        purpose = str(args.get("purpose") or "")
        if len(purpose) > 250:
            raise _SlackError("too_long")
        channel.purpose = purpose
        return {"purpose": purpose}

    def _conversations_setTopic(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(args)
        topic = str(args.get("topic") or "")
        if len(topic) > 250:
            raise _SlackError("too_long")
        channel.topic = topic
        channel.messages.append({"subtype": "channel_topic", "ts": self._ts(), "topic": topic})
        return {"channel": channel.as_json()}

    def _conversations_invite(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._writable(args)
        users = [u for u in str(args.get("users") or "").split(",") if u]
        errors: list[dict[str, Any]] = []
        for user in users:
            if user not in self.users:
                errors.append({"user": user, "ok": False, "error": "user_not_found"})
            elif user == BOT_USER_ID:
                errors.append({"user": user, "ok": False, "error": "cant_invite_self"})
            elif user in channel.members:
                errors.append({"user": user, "ok": False, "error": "already_in_channel"})
        if errors:  # without force=true, one bad user fails the whole call
            raise _SlackError(errors[0]["error"], errors=errors)
        channel.members.update(users)
        return {"channel": channel.as_json()}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.is_archived:
            raise _SlackError("is_archived")
        channel.members.add(BOT_USER_ID)
        return {"channel": channel.as_json()}

    def _conversations_archive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.is_archived:
            raise _SlackError("already_archived")
        channel.is_archived = True
        return {}

    def _conversations_unarchive(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        if not channel.is_archived:
            raise _SlackError("not_archived")
        channel.is_archived = False
        return {}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)
        limit = int(args.get("limit") or 100)
        newest_first = list(reversed(channel.messages))[:limit]
        if not _flag(args.get("include_all_metadata")):
            newest_first = [{k: v for k, v in m.items() if k != "metadata"} for m in newest_first]
        return {"messages": newest_first, "has_more": len(channel.messages) > limit}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").lower()
        for user_id, known in self.users.items():
            if known.lower() == email:
                return {"user": {"id": user_id, "profile": {"email": known}}}
        raise _SlackError("users_not_found")

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args, by_name=True)
        if channel.is_archived:
            raise _SlackError("is_archived")
        if BOT_USER_ID not in channel.members:
            raise _SlackError("not_in_channel")
        message = {"type": "message", "user": BOT_USER_ID, "ts": self._ts(), **_content(args)}
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        channel.messages.append(message)
        return {"channel": channel.id, "ts": message["ts"], "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(args)  # an id: chat.update does not take names
        content = _content(args)
        if len(content["text"]) > 4000:
            raise _SlackError("msg_too_long")
        for message in channel.messages:
            if message.get("ts") == args.get("ts") and "subtype" not in message:
                message.update(content)
                return {"channel": channel.id, "ts": message["ts"], "text": content["text"]}
        raise _SlackError("message_not_found")

    # --- helpers --------------------------------------------------------------------

    def _channel(self, args: dict[str, Any], *, by_name: bool = False) -> Channel:
        ref = str(args.get("channel") or "")
        channel = self.channels.get(ref)
        if channel is None and by_name:
            channel = self.by_name(ref.removeprefix("#"))
        if channel is None:
            raise _SlackError("channel_not_found")
        return channel

    def _writable(self, args: dict[str, Any]) -> Channel:
        channel = self._channel(args)
        if channel.is_archived:
            raise _SlackError("is_archived")
        if BOT_USER_ID not in channel.members:
            raise _SlackError("not_in_channel")
        return channel

    def _ts(self) -> str:
        self._seq += 1
        return f"{1767225600 + self._seq}.{self._seq:06d}"


class _SlackError(Exception):
    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def _error(code: str) -> Response:
    return 200, {}, {"ok": False, "error": code}


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _content(args: dict[str, Any]) -> dict[str, Any]:
    """The text and blocks of a chat.* call, checked against Slack's Block Kit limits."""
    text = str(args.get("text") or "")
    blocks = args.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not text and not blocks:
        raise _SlackError("no_text")
    if len(blocks) > 50:
        raise _SlackError("invalid_blocks")
    for block in blocks:
        if not _block_ok(block):
            raise _SlackError("invalid_blocks")
    return {"text": text, "blocks": blocks}


def _block_ok(block: dict[str, Any]) -> bool:
    def text_ok(obj: Any, limit: int, plain_only: bool = False) -> bool:
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            return False
        if plain_only and obj["type"] != "plain_text":
            return False
        return 1 <= len(str(obj.get("text") or "")) <= limit

    kind = block.get("type")
    if kind == "header":
        return text_ok(block.get("text"), 150, plain_only=True)
    if kind == "section":
        fields = block.get("fields") or []
        if "text" not in block and not fields:
            return False
        if "text" in block and not text_ok(block["text"], 3000):
            return False
        return len(fields) <= 10 and all(text_ok(f, 2000) for f in fields)
    if kind == "context":
        elements = block.get("elements") or []
        return 1 <= len(elements) <= 10 and all(text_ok(e, 3000) for e in elements)
    return kind in ("divider", "actions", "image")
