"""The schema's compiled accept path (`validation.fast_schema_check`) never accepts what
jsonschema refuses, and accepts the frontmatters the tool writes (so it is used at all)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit import validation

SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
CUSTOM = ("P1", "P2", "P3")
STAMP = "2026-11-26T10:00:00Z"
VALID: dict[str, Any] = {
    "id": "inc-20261126-ab12",
    "title": "checkout errors",
    "status": "closed",
    "severity": "SEV-2",
    "kind": "incident",
    "public": None,
    "service": "checkout",
    "source": None,
    "commander": "@alice",
    "roles": {"comms": "bob"},
    "impact_started_at": None,
    "detected_at": STAMP,
    "declared_at": STAMP,
    "acknowledged_at": STAMP,
    "mitigated_at": STAMP,
    "resolved_at": STAMP,
    "postmortem_at": None,
    "closed_at": STAMP,
    "last_update_at": None,
    "cancel_reason": None,
    "merged_into": None,
    "tracking_issue": 12,
    "tracking_issue_synced": "0123456789abcdef",
    "alert": {
        "format": "native",
        "source": "prom",
        "dedup_key": "native:prom:checkout:errors",
        "metric": "errors",
        "value": 7.5,
        "threshold": 5,
        "status": "firing",
        "alerts": 1,
        "occurrences": 1,
        "first_seen": STAMP,
        "last_seen": None,
    },
    "links": [{"title": "Dashboard", "url": "https://grafana.example.com/d/x"}],
    "reminders": {"update": {"window": STAMP, "state": "sent", "at": STAMP, "error": "x"}},
    "custom": [1, {"a": None}],
}
KEYS = [*VALID, "unknown"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(),
    st.text(max_size=5),
    st.sampled_from(
        [
            "",
            "\n",
            STAMP,
            STAMP + "\n",
            "2026-11-26 10:00:00+01:00",
            "2026-11-26T10:00:00",
            "2026-11-26T10:00Z",
            "２０２６-11-26T10:00:00Z",
            "2026-11-26",
            "inc-20261126-ab12",
            "inc-20261126-ab12\n",
            "inc-20261126-abi2",
            "@alice",
            "@alice\n",
            "a@b",
            "two words",
            "SEV-2",
            "P1",
            "triage",
            "merged",
            "drill",
            "firing",
            "sent",
            "https://example.com/x",
            "https://example.com/x\n",
            "ftp://x",
            "0123456789abcdef",
            "0123456789ABCDEF",
            "x" * 65,
            "x" * 201,
            "x" * 301,
            "x" * 1001,
        ]
    ),
    st.sampled_from([0, 1, -1, 1.0, 2.5, 0.0, True, False, 10**20]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "url",
                    "dedup_key",
                    "first_seen",
                    "status",
                    "window",
                    "state",
                    "at",
                    "error",
                    "x",
                    "",
                ]
            ),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=8,
)
NESTED = {
    "alert": [*VALID["alert"], "x"],
    "links": [0],
    "reminders": ["update", ""],
    "roles": ["comms", ""],
}


def _jsonschema_accepts(data: Any, severities: tuple[str, ...]) -> bool:
    return not list(validation._validator(severities).iter_errors(data))


def _fast_accepts(data: Any, severities: tuple[str, ...]) -> bool:
    try:
        validation.fast_schema_check(severities)(data)
    except Exception:
        return False
    return True


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A valid frontmatter with a few keys (top-level or nested) replaced, added or removed."""
    data: dict[str, Any] = {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in VALID.items()
    }
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(KEYS))
        where = draw(st.sampled_from(["top", "nested", "delete"]))
        if where == "delete":
            data.pop(key, None)
        elif where == "nested" and key in NESTED and isinstance(data.get(key), (dict, list)):
            inner = data[key]
            if isinstance(inner, list):
                inner = data[key] = [dict(item) if isinstance(item, dict) else item for item in inner] or [{}]
                if isinstance(inner[0], dict):
                    inner[0][draw(st.sampled_from(["title", "url", "x"]))] = draw(VALUES)
                continue
            inner[draw(st.sampled_from(NESTED[key]))] = draw(VALUES)
        else:
            data[key] = draw(VALUES)
    return data


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(documents(), st.sampled_from([SEVERITIES, CUSTOM]))
def test_the_accept_path_never_accepts_what_jsonschema_refuses(
    data: Any, severities: tuple[str, ...]
) -> None:
    if _fast_accepts(data, severities):
        assert _jsonschema_accepts(data, severities), data


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.one_of(VALUES, st.dictionaries(st.sampled_from(KEYS), VALUES)))
def test_the_accept_path_never_accepts_what_jsonschema_refuses_for_any_data(data: Any) -> None:
    if _fast_accepts(data, SEVERITIES):
        assert _jsonschema_accepts(data, SEVERITIES), data


def test_the_accept_path_accepts_valid_frontmatters() -> None:
    """The property tests above would pass with a check that refuses everything."""
    assert _fast_accepts(VALID, SEVERITIES)
    custom = {**VALID, "severity": "P2"}
    assert _fast_accepts(custom, CUSTOM) and not _fast_accepts(custom, SEVERITIES)
    required = {key: VALID[key] for key in ("id", "title", "status", "severity", "kind", "declared_at")}
    assert _fast_accepts(required, SEVERITIES)


def test_checking_many_files_reports_the_same_problems() -> None:
    """`many` (the compiled accept path first) changes no answer: a valid file has no schema
    problem, an invalid one jsonschema's."""
    text = (
        "---\nid: inc-20261126-ab12\ntitle: x\nstatus: closed\nseverity: SEV-9\nkind: incident\n"
        "declared_at: 2026-11-26T10:00:00Z\nresolved_at: 2026-11-26T11:00:00Z\n"
        "closed_at: 2026-11-26T12:00:00Z\ntracking_issue: 0\n---\n\n## Timeline\n"
    )
    for body in (text, text.replace("SEV-9", "SEV-2").replace("tracking_issue: 0", "tracking_issue: 3")):
        slow = validation.check_incident("x.md", "inc-20261126-ab12-x", body)
        fast = validation.check_incident("x.md", "inc-20261126-ab12-x", body, many=True)
        assert fast == slow
    assert any(
        p.rule == "schema" for p in validation.check_incident("x.md", "inc-20261126-ab12-x", text).problems
    )


ZONES = [
    None,
    UTC,
    timezone(timedelta(0), "Z"),
    timezone(timedelta(hours=1)),
    timezone(-timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=23, minutes=59)),
]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.datetimes(), st.sampled_from(ZONES))
def test_timestamps_reach_the_schema_as_format_timestamp_writes_them(naive: datetime, zone: Any) -> None:
    from incident_kit.markdown import frontmatter

    value = naive.replace(tzinfo=zone)
    expected = value.strftime("%Y-%m-%dT%H:%M:%S") if value.tzinfo is None else None
    try:
        expected = expected or frontmatter.format_timestamp(value)
    except (ValueError, OverflowError) as error:  # out of range once in UTC
        with pytest.raises(type(error)):
            validation._plain(value)
        return
    assert validation._plain(value) == expected
