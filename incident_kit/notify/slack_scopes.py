"""Which Slack bot scopes incident-kit needs, and which a token has (for `incident doctor`).

Slack reports a token's scopes in the `x-oauth-scopes` header of every Web API response;
`auth.test` is the cheapest call that returns it (and says whether the token is valid at all).
`slack_sdk` is imported inside the function: it is slow to import.
"""

from __future__ import annotations

from incident_kit.errors import DeliveryError
from incident_kit.notify.slack import DEFAULT_SLACK_API_URL

# Every Web API method notify/slack.py calls, and the scope each needs (its docstring lists
# them too; tests/notify/test_slack_scopes.py keeps the two in step). The README's app manifest
# asks for exactly these.
BOT_SCOPES = (
    "channels:manage",  # conversations.create, conversations.archive
    "channels:read",  # conversations.info, conversations.list
    "channels:join",  # conversations.join
    "channels:history",  # conversations.history: finding a post an earlier run made
    "channels:write.invites",  # conversations.invite
    "channels:write.topic",  # conversations.setTopic
    "chat:write",  # chat.postMessage, chat.update
    "users:read.email",  # users.lookupByEmail
)


def granted_scopes(token: str, base_url: str = DEFAULT_SLACK_API_URL, timeout: int = 15) -> frozenset[str]:
    """The scopes Slack says `token` has; DeliveryError when it refuses the token or cannot be reached."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError, SlackClientError

    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    try:
        response = client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        raise DeliveryError(
            f"Slack refused the token ({error or f'HTTP {exc.response.status_code}'})"
        ) from None
    except (SlackClientError, OSError) as exc:
        reason = " ".join(str(exc).split()).replace(token, "***")[:200]
        raise DeliveryError(f"Slack could not be reached at {base_url} ({reason})") from None
    headers = {str(name).lower(): value for name, value in (response.headers or {}).items()}
    raw = headers.get("x-oauth-scopes", "")
    text = ",".join(raw) if isinstance(raw, list) else str(raw)
    return frozenset(scope.strip() for scope in text.split(",") if scope.strip())
