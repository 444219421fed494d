"""What a notification channel is: the `Notifier` protocol and the references it returns.

`SlackNotifier` and `ConsoleNotifier` implement it; `incident sync` persists what it returns
(channel id, message ts) in the incident file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from incident_kit.errors import DeliveryError
from incident_kit.notify.messages import SlackMessage

CONSOLE_PREFIX = "console:"  # ids made up by the console channel start with this


@dataclass(frozen=True)
class ChannelRef:
    id: str  # Slack channel id (`C0…`), or `console:<name>`
    name: str


@dataclass(frozen=True)
class MessageRef:
    """Where a posted message lives; `chat.update` needs the channel *id*, so both are kept."""

    channel: str  # channel id (Slack resolves a `#name` to its id when posting)
    ts: str


@dataclass(frozen=True)
class InviteResult:
    invited: tuple[str, ...]  # user ids newly added
    already_in: tuple[str, ...]  # user ids that were members already (or the bot itself)
    not_invited: tuple[tuple[str, str], ...]  # (who, why): unknown email, deactivated user…


class MessageNotFound(DeliveryError):
    """`update` found no such message (deleted by someone): post a new one instead."""


class Notifier(Protocol):
    """What the orchestration calls; `SlackNotifier` and `ConsoleNotifier` implement it."""

    def ensure_channel(self, name: str, *, incident_id: str, existing_id: str | None = None) -> ChannelRef:
        """The incident's channel: the one at `existing_id`, the one carrying this incident's
        marker, or a new one (`name`, else `name-2`, `name-3` …)."""
        ...

    def set_topic(self, channel_id: str, topic: str) -> None: ...

    def invite(self, channel_id: str, users: Sequence[str]) -> InviteResult:
        """Invite user ids or e-mail addresses; unknown people are reported, not fatal."""
        ...

    def post(self, channel: str, message: SlackMessage, *, key: str | None = None) -> MessageRef:
        """Post once. With a `key` (e.g. `inc-…/mitigated/2026-…`) and a channel *id*, a
        message already posted under that key is returned instead of posted again."""
        ...

    def update(self, channel_id: str, ts: str, message: SlackMessage) -> None: ...

    def archive(self, channel_id: str) -> None: ...
