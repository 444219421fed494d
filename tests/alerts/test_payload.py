"""load_payload: the one entry for untrusted JSON."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.alerts.payload import load_payload
from incident_kit.errors import IncidentKitError, InputError


def test_a_plain_object_loads() -> None:
    assert load_payload(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}


def test_a_utf8_bom_is_tolerated() -> None:
    assert load_payload(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        (b'{"a": ', "not valid JSON"),
        (b'{"a": 1} trailing', "not valid JSON"),
        (b"\xff\xfe{}", "not valid UTF-8"),
        (b'{"a": "\xed\xa0\x80"}', "not valid UTF-8"),  # an encoded surrogate
        ('{"a": 1}'.encode("utf-16"), "NUL bytes"),
        (b'{"a": 1}\x00', "NUL bytes"),
        (b'{"a": "x\x01y"}', "not valid JSON"),  # raw control character inside a string
        (b"[1, 2]", "not an array"),
        (b'"text"', "not a string"),
        (b"42", "not a number"),
        (b"null", "not null"),
        (b"true", "not a boolean"),
        (b'{"v": NaN}', "NaN"),
        (b'{"v": Infinity}', "Infinity"),
        (b'{"v": -Infinity}', "-Infinity"),
        (b'{"v": 1e400}', "out of range"),
        (b'{"v": -1e400}', "out of range"),
        (b'{"v": ' + b"9" * 10_000 + b"}", "longer than 64 digits"),
        (b'{"a": 1, "a": 2}', "repeats the key 'a'"),
        (b'{"o": {"k": 1, "k": 1}}', "repeats the key 'k'"),
    ],
)
def test_bad_payloads_fail_with_one_clear_line(raw: bytes, message: str) -> None:
    with pytest.raises(InputError) as raised:
        load_payload(raw)
    text = str(raised.value)
    assert message in text
    assert "\n" not in text and len(text) < 200


def test_size_is_checked_before_decoding() -> None:
    oversized = b'{"a": "' + b"x" * 300_000 + b'"}'
    with pytest.raises(InputError, match="over the 262144-byte limit"):
        load_payload(oversized)
    # the cap is the caller's to choose
    with pytest.raises(InputError, match="over the 10-byte limit"):
        load_payload(b'{"a": "long"}', max_bytes=10)
    # and invalid bytes past the cap are never looked at
    with pytest.raises(InputError, match="limit"):
        load_payload(b"\xff" * 300_000)


def test_depth_cap() -> None:
    def nested(depth: int) -> bytes:
        return b'{"a": ' * (depth - 1) + b"{}" + b"}" * (depth - 1)

    assert load_payload(nested(32))
    with pytest.raises(InputError, match="nested too deeply"):
        load_payload(nested(33))
    with pytest.raises(InputError, match="nested too deeply"):
        load_payload(b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}")
    assert load_payload(nested(5), max_depth=5)


def test_nesting_beyond_the_interpreter_stack_is_a_clean_error() -> None:
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(InputError, match="nested too deeply"):
        load_payload(deep)


def test_error_excerpt_is_short_and_inert() -> None:
    raw = b'{"title": "<!here> ::error::x\\n", oops}'
    with pytest.raises(InputError) as raised:
        load_payload(raw)
    text = str(raised.value)
    assert "<!here>" not in text and "::error" not in text and len(text) < 200


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    try:
        result = load_payload(raw)
    except IncidentKitError:
        return
    assert isinstance(result, dict)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=30,
    )
)
def test_valid_json_objects_round_trip(value: object) -> None:
    import json

    raw = json.dumps({"root": value}).encode()
    try:
        assert load_payload(raw) == {"root": value}
    except InputError as exc:  # only the documented limits may refuse valid JSON
        assert "out of range" in str(exc) or "digits" in str(exc) or "deeply" in str(exc)
