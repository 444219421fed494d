"""The validator `incident validate` builds once, with the schema's `$ref`s inlined, reports
exactly what the schema as shipped (references and all) reports, for any frontmatter."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from incident_kit import validation

SCHEMA = validation.schema()
KEYS = [*sorted(SCHEMA["properties"]), "unknown_key"]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "",
            "2026-11-26T10:00:00Z",
            "2026-11-26T10:00:00",
            "2026-11-26",
            "inc-20261126-aaaa",
            "inc-2026-aaaa",
            "@alice",
            "two words",
            "SEV-2",
            "triage",
            "closed",
            "firing",
            "https://example.com/x",
            "ftp://x",
            "x" * 301,
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["title", "url", "dedup_key", "first_seen", "status", "x"]), inner),
    ),
    max_leaves=6,
)


def _errors(validator: Any, data: Any) -> list[tuple[list[str], str]]:
    return sorted(
        ([str(p) for p in error.absolute_path], validation._schema_message(error))
        for error in validator.iter_errors(data)
    )


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dictionaries(st.sampled_from(KEYS), VALUES), VALUES))
def test_the_inlined_validator_reports_what_the_shipped_schema_reports(data: Any) -> None:
    shipped = Draft202012Validator(SCHEMA)
    assert _errors(validation._validator(validation.SEVERITIES), data) == _errors(shipped, data)


def test_inlining_leaves_no_local_reference_and_keeps_the_shipped_schema_intact() -> None:
    inlined = validation.inline_refs(SCHEMA)
    assert '"$ref"' not in str(inlined).replace("'", '"')
    assert "$ref" in str(SCHEMA)


def test_a_recursive_definition_stays_a_reference() -> None:
    node = {"type": "array", "items": {"$ref": "#/$defs/node"}}
    document = {"$defs": {"node": node}, "properties": {"tree": {"$ref": "#/$defs/node"}}}
    assert validation.inline_refs(document)["properties"]["tree"] == node
