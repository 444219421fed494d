"""Channel names: always valid for Slack, whatever the title."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incident_kit.notify.channel_names import channel_name, check_pattern, with_suffix

VALID = re.compile(r"^[a-z0-9_-]{1,80}$")
AT = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)


def name(title: str, pattern: str = "inc-{date}-{slug}", **kw: object) -> str:
    args: dict[str, object] = {
        "incident_id": "inc-20261126-k3f7",
        "title": title,
        "service": "auth",
        "severity": "SEV-2",
        "declared_at": AT,
    }
    args.update(kw)
    return channel_name(pattern, **args)  # type: ignore[arg-type]


def assert_valid(channel: str) -> None:
    assert VALID.match(channel), channel
    assert any(ch.isalnum() for ch in channel)
    assert "--" not in channel and not channel.startswith("-") and not channel.endswith("-")


def test_pattern_is_filled_from_the_incident() -> None:
    assert name("Checkout 5xx on EU!") == "inc-20261126-checkout-5xx-on-eu"
    assert name("x", "{severity}_{service}-{id}") == "sev-2_auth-inc-20261126-k3f7"


def test_date_is_the_utc_day() -> None:
    late_in_berlin = datetime(2026, 11, 27, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert name("db", declared_at=late_in_berlin) == "inc-20261126-db"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("🔥🔥🔥", "inc-20261126-k3f7"),  # no slug left: the id's tail keeps names distinct
        ("Сбой оплаты", "inc-20261126-k3f7"),
        ("決済障害", "inc-20261126-k3f7"),
        ("!!!---???", "inc-20261126-k3f7"),
        ("Café crème outage", "inc-20261126-cafe-creme-outage"),
    ],
)
def test_titles_without_latin_letters_still_give_names(title: str, expected: str) -> None:
    assert name(title) == expected


def test_a_300_character_title_fits_in_80() -> None:
    channel = name("database connection pool exhausted " * 9)
    assert_valid(channel)
    assert len(channel) <= 80
    assert channel.startswith("inc-20261126-database-connection-pool")
    assert not channel.endswith(("-", "-exha"))  # cut at a word boundary


def test_a_pattern_of_punctuation_falls_back_to_the_id() -> None:
    assert name("!!!", "--{service}--", service="🔥") == "inc-20261126-k3f7"
    assert name("Title", "INC {slug}") == "inc-title"  # literal text is normalised too


def test_unknown_placeholders_are_refused() -> None:
    with pytest.raises(ValueError, match=r"unknown placeholder \{team\}"):
        check_pattern("inc-{team}")
    with pytest.raises(ValueError, match="unbalanced"):
        check_pattern("inc-{slug")


def test_suffixes_stay_within_80_characters() -> None:
    long = name("a" * 300)
    assert len(long) == 80
    for n in (2, 9, 10, 123):
        suffixed = with_suffix(long, n)
        assert_valid(suffixed)
        assert suffixed.endswith(f"-{n}") and len(suffixed) <= 80
    assert with_suffix("inc-db", 2) == "inc-db-2"


@given(st.text(max_size=400), st.text(max_size=60), st.sampled_from(["SEV-1", "", "?"]))
def test_any_title_and_service_give_a_valid_name(title: str, service: str, severity: str) -> None:
    channel = name(title, "inc-{date}-{severity}-{service}-{slug}", service=service, severity=severity)
    assert_valid(channel)
    assert_valid(with_suffix(channel, 17))
