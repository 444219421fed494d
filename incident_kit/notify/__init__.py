"""Notification channels: Slack when a bot token is set, the console otherwise.

The orchestration (`incident sync`) drives one `Notifier` and persists what it returns
(channel id, message ts) in the incident file; every call is idempotent or made so by a
lookup, and every failure is a `DeliveryError` whose work stays pending for the next sync.

Importing this package is cheap: `slack_sdk` (100+ ms) is imported only when a Slack
notifier is built.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

from incident_kit.errors import DeliveryError
from incident_kit.notify.messages import SlackMessage

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
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


def notifier_from_env(
    env: Mapping[str, str],
    *,
    stream: TextIO | None = None,
    timeout: int = 15,
    max_retries: int = 2,
    max_retry_wait: float = 60.0,
) -> Notifier:
    """Slack when `SLACK_BOT_TOKEN` is set (at `SLACK_API_URL`), else the console channel
    (`stream`, default stdout, plus `$GITHUB_STEP_SUMMARY` when set)."""
    token = env.get("SLACK_BOT_TOKEN", "").strip()
    if token:
        from incident_kit.notify.slack import SlackNotifier

        return SlackNotifier(
            token,
            base_url=env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
        )
    from incident_kit.notify.console import ConsoleNotifier

    return ConsoleNotifier(
        stream if stream is not None else sys.stdout,
        summary_path=env.get("GITHUB_STEP_SUMMARY") or None,
    )
