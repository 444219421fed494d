"""Hostile payloads: refused cleanly, or parsed into nothing but inert text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.alert_safety import assert_delivery_safe, strings_of
from support.alerts import HOSTILE

from incident_kit.alerts import NotAnAlert, ParseOptions, parse_delivery
from incident_kit.errors import InputError

FILES = sorted(p for p in HOSTILE.iterdir() if p.suffix == ".json")
_DANGER = re.compile(r"<!|<@|@(here|channel|everyone)\b|::|\n|\x00|\u202e", re.IGNORECASE)

# generated here: too big or too silly to keep as files
GENERATED: dict[str, bytes] = {
    "reject-oversized": b'{"spec_id": "a", "metric": "m", "value": 1, "pad": "' + b"x" * (256 * 1024) + b'"}',
    "reject-1mb-string": b'{"spec_id": "' + b"A" * (1024 * 1024) + b'", "metric": "m", "value": 1}',
    "reject-nesting-100000": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "reject-nesting-objects-100000": b'{"a": ' * 100_000 + b"1" + b"}" * 100_000,
    "reject-nan-in-sns-message": b'{"Type": "Notification", "TopicArn": "t",'
    b' "Message": "{\\"AlarmName\\": NaN}"}',
}


def test_the_corpus_is_big_enough() -> None:
    assert len(FILES) + len(GENERATED) >= 40
    kinds = {p.name.split("-", 1)[0] for p in FILES}
    assert kinds == {"reject", "notalert", "safe"}, "unknown prefix in tests/alerts/hostile"


def _expect(name: str, raw: bytes, options: ParseOptions) -> None:
    if name.startswith("reject-"):
        with pytest.raises(InputError) as raised:
            parse_delivery(raw, options=options)
        _assert_message_inert(str(raised.value))
    elif name.startswith("notalert-"):
        with pytest.raises(NotAnAlert) as not_alert:
            parse_delivery(raw, options=options)
        _assert_message_inert(str(not_alert.value))
    else:
        assert_delivery_safe(parse_delivery(raw, options=options))


def _assert_message_inert(message: str) -> None:
    assert message and len(message) < 1000
    assert not _DANGER.search(message.replace("--alert-format", "")), message
    assert "evil.example" not in message


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_hostile_file(path: Path, options: ParseOptions) -> None:
    _expect(path.name, path.read_bytes(), options)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_hostile_generated(name: str, options: ParseOptions) -> None:
    _expect(name, GENERATED[name], options)


def test_neutralised_text_stays_readable(options: ParseOptions) -> None:
    """Inert is not erased: a reader still sees what the payload said."""
    d = parse_delivery((HOSTILE / "safe-native-slack-mentions.json").read_bytes(), options=options)
    assert d.title.replace("\u200b", "").startswith("@channel @here @everyone @channel @oncall")
    d = parse_delivery((HOSTILE / "safe-native-yaml-injection.json").read_bytes(), options=options)
    assert d.title == "ok --- status: closed --- # pwned"
    assert d.service == "auth --- status: closed severity: SEV-4 ---"


def test_traversal_never_reaches_a_slug(options: ParseOptions) -> None:
    from incident_kit.sanitize import slugify

    for name in ("safe-native-path-traversal.json", "safe-native-path-traversal-dotdot.json"):
        d = parse_delivery((HOSTILE / name).read_bytes(), options=options)
        for _, text in strings_of(d):
            slug = slugify(text)
            assert "/" not in slug and "\\" not in slug and "." not in slug


def test_bounded_output_from_huge_input(options: ParseOptions) -> None:
    d = parse_delivery((HOSTILE / "safe-native-long-strings.json").read_bytes(), options=options)
    assert len(d.title) == 200 and d.title.endswith("…")
    d = parse_delivery((HOSTILE / "safe-native-many-labels.json").read_bytes(), options=options)
    assert len(d.labels) == 64
    d = parse_delivery((HOSTILE / "safe-native-bad-links.json").read_bytes(), options=options)
    assert [link.url for link in d.links] == ["https://ok.example/a%29%28b%5Bc%5D%3Cd%3E"]


def test_forged_subscription_url_is_not_repeated(options: ParseOptions) -> None:
    raw = (HOSTILE / "reject-sns-subscription-forged-url.json").read_bytes()
    with pytest.raises(InputError) as raised:
        parse_delivery(raw, options=options)
    message = str(raised.value)
    assert "evil" not in message and "arn:aws:sns:us-east-1:123456789012:t" not in message
    assert "SubscribeURL" in message
