"""Notification channels: Slack when a bot token is set, the console otherwise.

The orchestration (`incident sync`) drives one `Notifier` and persists what it returns
(channel id, message ts) in the incident file; every call is idempotent or made so by a
lookup, and every failure is a `DeliveryError` whose work stays pending for the next sync.

Importing this package is cheap: `slack_sdk` (100+ ms) is imported only when a Slack
notifier is built.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TextIO

from incident_kit.notify.notifier import Notifier


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
        from incident_kit.notify.slack import DEFAULT_SLACK_API_URL, SlackNotifier

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
