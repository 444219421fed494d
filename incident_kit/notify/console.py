"""The console channel: with no Slack token, messages go to stdout (and the job summary).

Same interface and same ids-to-persist as `SlackNotifier`, with made-up ids
(`console:<name>`), so `incident sync` runs the same code offline. Channel set-up (topic,
invites, archive) has nothing to show and prints nothing.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Sequence
from typing import TextIO

from incident_kit.errors import DeliveryError
from incident_kit.notify.messages import SlackMessage
from incident_kit.notify.notifier import CONSOLE_PREFIX, ChannelRef, InviteResult, MessageRef

_BACKTICKS = re.compile(r"`{3,}")
_NOT_IN_CHANNEL_NAMES = re.compile(r"[^#A-Za-z0-9_-]")


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None, *, summary_path: str | None = None) -> None:
        self._stream = stream
        self._summary_path = summary_path

    def ensure_channel(self, name: str, *, incident_id: str, existing_id: str | None = None) -> ChannelRef:
        return ChannelRef(id=existing_id or f"{CONSOLE_PREFIX}{name}", name=name)

    def set_topic(self, channel_id: str, topic: str) -> None:
        return None

    def invite(self, channel_id: str, users: Sequence[str]) -> InviteResult:
        return InviteResult(invited=(), already_in=(), not_invited=())

    def post(self, channel: str, message: SlackMessage, *, key: str | None = None) -> MessageRef:
        self._show(channel, message.plain)
        digest = hashlib.sha256(f"{channel}\n{key or message.plain}".encode()).hexdigest()
        return MessageRef(channel=channel, ts=f"{CONSOLE_PREFIX}{digest[:12]}")

    def update(self, channel_id: str, ts: str, message: SlackMessage) -> None:
        self._show(channel_id, message.plain)

    def archive(self, channel_id: str) -> None:
        return None

    def _show(self, channel: str, text: str) -> None:
        where = _label(channel)
        # the summary first: if it cannot be written the delivery stays pending, and the
        # retry will not have printed the message twice
        if self._summary_path:
            fence = "`" * max([3, *(len(m) + 1 for m in _BACKTICKS.findall(text))])
            block = f"**{where}**\n\n{fence}text\n{text}\n{fence}\n\n"
            try:
                with open(self._summary_path, "a", encoding="utf-8") as summary:
                    summary.write(block)
            except OSError as exc:
                raise DeliveryError(
                    f"cannot append to $GITHUB_STEP_SUMMARY ({self._summary_path}): {exc.strerror or exc}"
                ) from None
        stream = self._stream if self._stream is not None else sys.stdout
        stream.write(f"[{where}] {text}\n")
        stream.flush()


def _label(channel: str) -> str:
    """`#name`, in a channel name's own alphabet: it starts a log line and sits in the job
    summary's Markdown, so nothing that could be a workflow command or markup survives."""
    name = _NOT_IN_CHANNEL_NAMES.sub("", channel.removeprefix(CONSOLE_PREFIX))[:100]
    return name if name.startswith("#") else f"#{name}"
