"""Slack through the official `slack_sdk.WebClient`, made safe to re-run.

Every method is idempotent or made so by a lookup, so `incident sync` can call it again
after any failure:

- a channel is recognised by a marker in its purpose (`incident-kit:<id>`), so a re-run
  reuses it instead of creating `name-2`;
- `set_topic` reads the topic first (setting it again would post a "set the topic" line);
- `already_in_channel`, `cant_invite_self`, `already_archived` count as done;
- a post with a `key` carries it as message metadata; the channel history is searched for
  it before posting (a run that died before its caller saved the ts) and after a failure
  whose outcome is unknown (dropped connection, 5xx, timeout).

Retries inside the client: 429 is always retried after `Retry-After` (a rate-limited call was
not executed), unless Slack asks for a longer wait than `max_retry_wait`. A dropped
connection is retried only for calls that are safe to repeat; never for `chat.postMessage`
(a second message) or `conversations.create` (a second channel), whose failures go through
the lookups above instead.

Bot scopes: channels:manage, channels:read, channels:join, channels:history,
channels:write.invites, channels:write.topic, chat:write, users:read.email.

`slack_sdk` is imported inside functions: it costs 100+ ms and most commands never post.

Why this module is long: it is one adapter over one API, and each of its six calls carries its
own idempotency and retry rules; split apart, those rules would be read out of context.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from http.client import HTTPException
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from incident_kit.errors import DeliveryError
from incident_kit.network_outage import Outage
from incident_kit.notify.channel_names import with_suffix
from incident_kit.notify.messages import TOPIC_MAX, SlackMessage
from incident_kit.notify.notifier import (
    CONSOLE_PREFIX,
    ChannelRef,
    InviteResult,
    MessageNotFound,
    MessageRef,
)
from incident_kit.notify.slack_answers import well_formed

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

if TYPE_CHECKING:
    from slack_sdk.http_retry import RetryHandler

MAX_NAME_ATTEMPTS = 20  # name, name-2 … name-20
MAX_LIST_PAGES = 200  # 200 channels a page: 40,000 channels
HISTORY_WINDOW = 200  # recent messages searched for an earlier copy of a keyed post
METADATA_EVENT = "incident_kit_message"

# calls that would create something a second time if repeated after a lost response
_NO_CONNECTION_RETRY = frozenset({"chat.postMessage", "conversations.create"})
_INVITE_DONE = frozenset({"already_in_channel", "cant_invite_self"})
_HISTORY_UNREADABLE = frozenset({"not_in_channel", "missing_scope", "channel_not_found"})
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ERROR_CODE = re.compile(r"^[a-z0-9_]{1,60}$")


class SlackCallError(DeliveryError):
    """One Web API call failed; `code` is Slack's error (`name_taken`) when it gave one."""

    def __init__(self, method: str, message: str, *, code: str | None, status: int | None, sent: bool = True):
        super().__init__(message)
        self.method = method
        self.code = code
        self.status = status
        self.sent = sent  # False: not called at all (see network_outage)

    @property
    def uncertain(self) -> bool:
        """True when Slack may have done it anyway (no answer, or a 5xx)."""
        return self.sent and (self.status is None or self.status >= 500)


def channel_marker(incident_id: str) -> str:
    """What the channel purpose carries so a re-run recognises the incident's channel."""
    return f"incident-kit:{incident_id}"


class SlackNotifier:
    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_SLACK_API_URL,
        timeout: int = 15,
        max_retries: int = 2,
        max_retry_wait: float = 60.0,
    ) -> None:
        from slack_sdk import WebClient

        self._token = token
        self._client = WebClient(
            token=token,
            base_url=base_url,
            timeout=timeout,
            retry_handlers=_retry_handlers(max_retries, max_retry_wait),
        )
        self._bot_user_id: str | None = None
        self._emails: dict[str, str | None] = {}
        self._ids_by_name: dict[str, str] = {}
        self._outage = Outage("Slack")

    # --- channel ---------------------------------------------------------------------

    def ensure_channel(self, name: str, *, incident_id: str, existing_id: str | None = None) -> ChannelRef:
        if existing_id and not existing_id.startswith(CONSOLE_PREFIX):
            try:
                known = self._call("conversations.info", channel=existing_id)["channel"]
            except SlackCallError as exc:
                if exc.code != "channel_not_found":
                    raise
            else:
                return self._adopt(known, incident_id)
        taken: dict[str, dict[str, Any]] | None = None  # name → channel, once listed
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            candidate = name if attempt == 1 else with_suffix(name, attempt)
            holder = taken.get(candidate) if taken is not None else None
            if holder is None:
                try:
                    created = self._call("conversations.create", name=candidate)["channel"]
                except SlackCallError as exc:
                    if exc.code != "name_taken":
                        raise
                else:
                    return self._adopt(created, incident_id)
                if taken is None:
                    channels = self._list_channels()
                    for channel in channels:
                        if _carries_marker(channel, incident_id):
                            return self._adopt(channel, incident_id)
                    taken = {str(c.get("name")): c for c in channels}
                    holder = taken.get(candidate)
            if holder is not None and self._is_orphan(holder):
                return self._adopt(holder, incident_id)
        raise DeliveryError(
            f"Slack: no free channel name for {name} (tried up to {with_suffix(name, attempt)})"
        )

    def set_topic(self, channel_id: str, topic: str) -> None:
        topic = topic[:TOPIC_MAX]
        channel = self._call("conversations.info", channel=channel_id)["channel"]
        current = str((channel.get("topic") or {}).get("value") or "")
        if html.unescape(current) != html.unescape(topic):
            self._call("conversations.setTopic", channel=channel_id, topic=topic)

    def invite(self, channel_id: str, users: Sequence[str]) -> InviteResult:
        user_ids: list[str] = []
        not_invited: list[tuple[str, str]] = []
        for who in users:
            user_id = self._user_id(who)
            if user_id is None:
                not_invited.append((who, "no Slack user with this id or e-mail"))
            elif user_id not in user_ids:
                user_ids.append(user_id)
        invited: list[str] = []
        already_in: list[str] = []
        # one call per person: a batch fails as a whole on one bad member
        for user_id in user_ids:
            try:
                self._call("conversations.invite", channel=channel_id, users=user_id)
            except SlackCallError as exc:
                if exc.code in _INVITE_DONE:
                    already_in.append(user_id)
                elif exc.code in ("user_not_found", "cant_invite", "user_is_restricted"):
                    not_invited.append((user_id, exc.code))
                else:
                    raise
            else:
                invited.append(user_id)
        return InviteResult(tuple(invited), tuple(already_in), tuple(not_invited))

    def archive(self, channel_id: str) -> None:
        try:
            self._call("conversations.archive", channel=channel_id)
        except SlackCallError as exc:
            if exc.code != "already_archived":
                raise

    # --- messages --------------------------------------------------------------------

    def post(self, channel: str, message: SlackMessage, *, key: str | None = None) -> MessageRef:
        args: dict[str, Any] = {
            "channel": channel,
            "text": message.text,
            "blocks": list(message.blocks),
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if key:
            args["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
            # already posted by an earlier run that died (or lost the answer) before its caller
            # saved the ts? A `#name` is resolved first: only an id's history can be searched
            channel = self._require_id(channel)
            args["channel"] = channel
            if earlier := self._find_posted(channel, key):
                return earlier
        try:
            data = self._call("chat.postMessage", **args)
        except SlackCallError as exc:
            if exc.code == "not_in_channel":  # refused, so nothing was posted: join, then post
                self._call("conversations.join", channel=self._require_id(channel))
                data = self._call("chat.postMessage", **args)
            elif key and exc.uncertain:
                try:
                    landed = self._find_posted(self._require_id(channel), key)
                except DeliveryError as lookup:
                    raise DeliveryError(f"{exc}; checking whether it landed: {lookup}") from None
                if landed is None:
                    # not re-sent here: a timed-out request may still be in flight. The next
                    # call with this key looks first, so calling again is safe.
                    raise DeliveryError(
                        f"{exc} (not in the channel yet; a retry looks for it first)"
                    ) from None
                return landed
            else:
                raise
        return MessageRef(channel=str(data["channel"]), ts=str(data["ts"]))

    def update(self, channel_id: str, ts: str, message: SlackMessage) -> None:
        try:
            self._call(
                "chat.update",
                channel=channel_id,
                ts=ts,
                text=message.text,
                blocks=list(message.blocks),
            )
        except SlackCallError as exc:
            if exc.code == "message_not_found":
                raise MessageNotFound(
                    f"Slack message {ts} in {channel_id} no longer exists; post a new one"
                ) from None
            raise

    # --- lookups ---------------------------------------------------------------------

    def _adopt(self, channel: dict[str, Any], incident_id: str) -> ChannelRef:
        """Make `channel` usable and marked as this incident's."""
        channel_id = str(channel["id"])
        if channel.get("is_archived"):
            self._call("conversations.unarchive", channel=channel_id)
            self._call("conversations.join", channel=channel_id)
        elif channel.get("is_member") is False:
            self._call("conversations.join", channel=channel_id)
        if not _carries_marker(channel, incident_id):
            purpose = f"Incident {incident_id}, kept by incident-kit ({channel_marker(incident_id)})"
            self._call("conversations.setPurpose", channel=channel_id, purpose=purpose)
        return ChannelRef(id=channel_id, name=str(channel.get("name", "")))

    def _is_orphan(self, channel: dict[str, Any]) -> bool:
        """Created by this bot but never marked: a run that died between create and
        setPurpose. No incident can have used it (ensure_channel had not returned)."""
        if _text(channel, "purpose") or _text(channel, "topic"):
            return False
        if self._bot_user_id is None:
            self._bot_user_id = str(self._call("auth.test").get("user_id", ""))
        return bool(self._bot_user_id) and channel.get("creator") == self._bot_user_id

    def _list_channels(self) -> list[dict[str, Any]]:
        channels: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_LIST_PAGES):
            data = self._call(
                "conversations.list",
                exclude_archived=False,  # name_taken also means an archived channel
                types="public_channel",
                limit=200,
                cursor=cursor,
            )
            channels.extend(data.get("channels") or [])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return channels

    def _find_posted(self, channel_id: str, key: str) -> MessageRef | None:
        """The bot's recent message carrying `key`, if Slack lets us read the history."""
        try:
            data = self._call(
                "conversations.history",
                channel=channel_id,
                limit=HISTORY_WINDOW,
                include_all_metadata=True,
            )
        except SlackCallError as exc:
            if exc.code in _HISTORY_UNREADABLE:  # post rather than never notify
                return None
            raise
        for msg in data.get("messages") or []:
            meta = msg.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_EVENT and payload.get("key") == key:
                return MessageRef(channel=channel_id, ts=str(msg["ts"]))
        return None

    def _require_id(self, channel: str) -> str:
        """The id of `channel`, given as an id or a `#name` (some methods take ids only)."""
        if _CHANNEL_ID.match(channel):
            return channel
        wanted = channel.removeprefix("#")
        if wanted in self._ids_by_name:
            return self._ids_by_name[wanted]
        for found in self._list_channels():
            if found.get("name") == wanted:
                self._ids_by_name[wanted] = str(found["id"])
                return str(found["id"])
        raise SlackCallError(
            "conversations.list", f"Slack: no channel named {channel}", code="channel_not_found", status=200
        )

    def _user_id(self, who: str) -> str | None:
        who = who.strip()
        if _USER_ID.match(who):
            return who
        if not _EMAIL.match(who):
            return None
        email = who.lower()
        if email not in self._emails:
            try:
                user = self._call("users.lookupByEmail", email=email)["user"]
                self._emails[email] = str(user["id"])
            except SlackCallError as exc:
                if exc.code != "users_not_found":
                    raise
                self._emails[email] = None
        return self._emails[email]

    # --- the one place slack_sdk is called ---------------------------------------------

    def _call(self, method: str, **args: Any) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError, SlackClientError

        if refusal := self._outage.refusal():
            raise SlackCallError(method, f"Slack {method} {refusal}", code=None, status=None, sent=False)
        api = getattr(self._client, method.replace(".", "_"))
        try:
            response = api(**args)
        except SlackApiError as exc:
            self._outage.answered()
            status = exc.response.status_code
            error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
            code = error if isinstance(error, str) and _ERROR_CODE.match(error) else None
            reason = f"HTTP {status}" if status != 200 else "unexpected error"
            if code:
                reason = code if status == 200 else f"{reason} {code}"
            raise self._error(method, reason, code=code, status=status) from None
        except (SlackClientError, OSError, HTTPException) as exc:
            reason = _network_reason(exc)
            self._outage.failed(reason)
            raise self._error(method, reason, code=None, status=None) from None
        self._outage.answered()
        data = response.data
        if not isinstance(data, dict) or not well_formed(method, data):
            raise self._error(method, "unexpected response", code=None, status=None)
        return data

    def _error(self, method: str, reason: str, *, code: str | None, status: int | None) -> SlackCallError:
        text = " ".join(reason.split()).replace(self._token, "***")[:300]
        return SlackCallError(method, f"Slack {method} failed: {text}", code=code, status=status)


def _carries_marker(channel: dict[str, Any], incident_id: str) -> bool:
    pattern = re.escape(channel_marker(incident_id)) + r"(?![A-Za-z0-9_-])"
    return any(re.search(pattern, _text(channel, part)) for part in ("purpose", "topic"))


def _text(channel: dict[str, Any], part: str) -> str:
    value = channel.get(part)
    return str(value.get("value") or "") if isinstance(value, dict) else ""


def _network_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)  # URLError wraps the socket error
    exc_text = str(reason) if isinstance(reason, BaseException | str) else str(exc)
    if isinstance(exc, TimeoutError) or "timed out" in exc_text:
        return "timed out"
    return f"cannot reach Slack ({exc_text or type(exc).__name__})"


def _retry_handlers(max_retries: int, max_wait: float) -> list[RetryHandler]:
    from slack_sdk.http_retry import (
        ConnectionErrorRetryHandler,
        HttpRequest,
        HttpResponse,
        RateLimitErrorRetryHandler,
        RetryState,
    )

    class CappedRateLimitRetry(RateLimitErrorRetryHandler):
        """Waits `Retry-After` (+ up to 1 s of jitter), unless that is longer than `max_wait`:
        a CLI should fail and leave the work pending rather than hang for minutes."""

        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: Exception | None = None,
        ) -> bool:
            if response is None or response.status_code != 429:
                return False
            values = [v for k, v in response.headers.items() if k.lower() == "retry-after"]
            try:
                wait = float(values[0][0]) if values else 1.0
            except (ValueError, IndexError):
                wait = 1.0
            return wait <= max_wait

    class RepeatableConnectionRetry(ConnectionErrorRetryHandler):
        def _can_retry(
            self,
            *,
            state: RetryState,
            request: HttpRequest,
            response: HttpResponse | None = None,
            error: Exception | None = None,
        ) -> bool:
            method = urlsplit(request.url).path.rsplit("/", 1)[-1]
            if method in _NO_CONNECTION_RETRY:
                return False
            return super()._can_retry(state=state, request=request, response=response, error=error)

    return [
        CappedRateLimitRetry(max_retry_count=max_retries),
        RepeatableConnectionRetry(max_retry_count=1),
    ]
