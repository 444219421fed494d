"""incident_kit.sanitize: the one place untrusted text is made inert."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incident_kit.sanitize import (
    clean_line,
    md_inline,
    neutralise_mentions,
    safe_key,
    safe_text,
    safe_url,
    slugify,
    workflow_safe,
)

ZWSP = "\u200b"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  two\nlines\r\n\tand  tabs ", "two lines and tabs"),
        ("nul\x00byte", "nulbyte"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),  # ESC dropped, the rest is harmless text
        ("right\u202eto\u2066left\u200f", "righttoleft"),  # bidi overrides and marks
        ("zero\u200dwidth\ufeff", "zerowidth"),
        ("tag\U000e0041chars", "tagchars"),  # invisible "ASCII smuggling" tags
        ("lone\ud800surrogate", "lonesurrogate"),
        ("line\u2028sep\u2029para\x85nel", "line sep para nel"),
        ("🔥 Ошибка 認証", "🔥 Ошибка 認証"),
        (None, ""),
        (350, "350"),
        (True, "true"),
        (2.5, "2.5"),
    ],
)
def test_clean_line(raw: object, expected: str) -> None:
    assert clean_line(raw) == expected


def test_clean_line_truncates_with_an_ellipsis() -> None:
    assert clean_line("abcdef", max_len=4) == "abc…"
    assert clean_line("abcd", max_len=4) == "abcd"
    assert clean_line("ab   cd", max_len=4) == "ab…"  # no trailing space before the mark
    assert clean_line("x", max_len=0) == ""
    assert len(clean_line("y" * 1_000_000)) == 200


def test_clean_line_survives_an_integer_too_long_to_print() -> None:
    assert clean_line(10**5000) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!here> now", f"@{ZWSP}here now"),
        ("<!channel|channel>", f"@{ZWSP}channel"),
        ("<!everyone>", f"@{ZWSP}everyone"),
        ("<!subteam^S0123|@oncall>", f"@{ZWSP}oncall"),
        ("<!subteam^S0123>", f"@{ZWSP}subteam"),
        ("<@U0123ABC>", f"@{ZWSP}U0123ABC"),
        ("<@U0123ABC|alice>", f"@{ZWSP}alice"),
        ("ping @channel and @HERE", f"ping @{ZWSP}channel and @{ZWSP}HERE"),
        ("<!date^1392734382^{date}|Feb 18>", f"<{ZWSP}!date^1392734382^{{date}}|Feb 18>"),
        ("mail me@hereford.example", "mail me@hereford.example"),  # not a word match
        ("@alice is fine", "@alice is fine"),
    ],
)
def test_neutralise_mentions(raw: str, expected: str) -> None:
    assert neutralise_mentions(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("::set-output name=x::y", f":{ZWSP}:set-output name=x:{ZWSP}:y"),
        ("::add-mask::secret", f":{ZWSP}:add-mask:{ZWSP}:secret"),
        ("  ::error::boom", f"  :{ZWSP}:error:{ZWSP}:boom"),
        ("##[error]old style", f"##{ZWSP}[error]old style"),
        ("a: b", "a: b"),
    ],
)
def test_workflow_safe(raw: str, expected: str) -> None:
    assert workflow_safe(raw) == expected


def test_safe_text_is_idempotent_and_bounded() -> None:
    hostile = "::error::" * 40 + "<!here>\n---\nstatus: closed"
    once = safe_text(hostile, 120)
    assert safe_text(once, 120) == once
    assert len(once) == 120 and "::" not in once and "\n" not in once


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("## Heading", r"\## Heading"),
        ("---", r"\---"),
        ("- item", r"\- item"),
        ("+ item", r"\+ item"),
        ("1. one", r"1\. one"),
        ("2) two", r"2\) two"),
        ("> quote", r"\> quote"),
        ("=== setext", r"\=== setext"),
        ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
        ("<details><summary>x", r"\<details\>\<summary\>x"),
        ("a | b", r"a \| b"),
        ("`code` *em* _em_ ~~s~~", r"\`code\` \*em\* \_em\_ \~\~s\~\~"),
        ("[link](https://x)", r"\[link\](https://x)"),
        ("![img](https://x)", r"!\[img\](https://x)"),
        ("&#8238;evil &amp; AT&T", r"\&#8238;evil \&amp; AT&T"),
        ("back\\slash", r"back\\slash"),
        ("line\n## two", r"line ## two"),  # single line: the heading cannot start a line
    ],
)
def test_md_inline(raw: str, expected: str) -> None:
    assert md_inline(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("p99_latency 350 above SLO 200 on spec-core-001-authentication", None),
        ("Café déjà vu", "cafe-deja-vu"),
        ("../../etc/passwd", "etc-passwd"),
        ("C:\\Windows\\system32", "c-windows-system32"),
        ("..", ""),
        (".", ""),
        ("Ошибка 認証", ""),  # nothing transliterates: callers fall back
        ("---a---b---", "a-b"),
        ("ＦＵＬＬ　ＷＩＤＴＨ", "full-width"),  # NFKD compatibility forms
    ],
)
def test_slugify(raw: str, expected: str | None) -> None:
    slug = slugify(raw)
    if expected is None:  # too long: cut at a word boundary within 40 characters
        assert slug == "p99-latency-350-above-slo-200-on-spec"
    else:
        assert slug == expected


def test_slugify_bounds() -> None:
    assert slugify("abcdefghij" * 10, max_len=15) == "abcdefghijabcde"
    assert slugify("a-b", max_len=0) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
        ("HTTP://example.com:8080/x", "http://example.com:8080/x"),
        ("https://h.example/a b", None),  # whitespace
        ("https://h.example/a\nb", None),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("file:///etc/passwd", None),
        ("//example.com/x", None),
        ("https://user:secret@example.com/", None),  # credentials would be committed
        ("https://example.com:99999/", None),
        ("https://exa mple.com/", None),
        ("https:///nohost", None),
        ("https://example.com/" + "a" * 2000, None),
        (42, None),
        ("https://h.example/a)(b[c]<d>\"e'f`g", "https://h.example/a%29%28b%5Bc%5D%3Cd%3E%22e%27f%60g"),
        ("https://h.example/ünï", "https://h.example/%C3%BCn%C3%AF"),
        ("http://[::1]:9093/", "http://[::1]:9093/"),
    ],
)
def test_safe_url(raw: object, expected: str | None) -> None:
    assert safe_url(raw) == expected


def test_safe_key_keeps_harmless_keys_readable() -> None:
    assert safe_key("native", "src", "spec", "metric") == "native:src:spec:metric"
    assert safe_key("cloudwatch", None, "", "name") == "cloudwatch:-:-:name"


def test_safe_key_hashes_what_it_cannot_keep() -> None:
    hostile = safe_key("native", "a\nb")
    assert hostile.startswith("native:sha256:") and len(hostile) == len("native:sha256:") + 32
    assert safe_key("native", "a\nb") == hostile  # deterministic
    assert safe_key("native", "a\rb") != hostile  # distinct where safe_text would merge
    assert safe_key("x", "y" * 500).startswith("x:sha256:")
    assert safe_key("x", "::error::").startswith("x:sha256:")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_safe_text_invariant(raw: str) -> None:
    out = safe_text(raw, 50)
    assert len(out) <= 50
    assert "\n" not in out and "::" not in out and "<!" not in out
    assert out == out.strip()
    assert safe_text(out, 50) == out


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_slugify_invariant(raw: str) -> None:
    slug = slugify(raw)
    assert len(slug) <= 40
    assert slug == "" or (
        set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
        and not slug.startswith("-")
        and not slug.endswith("-")
        and "--" not in slug
    )


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_md_inline_never_opens_a_block_or_html(raw: str) -> None:
    out = md_inline(raw)
    assert "\n" not in out
    assert not any(out.startswith(p) for p in ("#", "-", "+", ">", "=", "*", "_", "<", "`", "~"))
    # every < > | is escaped, so no HTML tag and no table cell break
    for i, ch in enumerate(out):
        if ch in "<>|[]`":
            assert i > 0 and out[i - 1] == "\\", out


# --- the patterns are compiled on first use, and skipped when the text cannot match them ---

_PINGY = st.text(alphabet=st.sampled_from(list("<>!@|:#[&;^ aA1-.\\`*_~=+)")) | st.characters(), max_size=60)


def _every_pattern(text: str) -> tuple[str, str, str]:
    """neutralise_mentions, workflow_safe and md_inline, every pattern applied to any text."""
    from incident_kit import sanitize as s

    pinged = s._SLACK_SPECIAL().sub(lambda m: "@" + ZWSP + m.group(1), text)
    pinged = s._SLACK_SUBTEAM().sub(lambda m: "@" + ZWSP + (m.group(1) or "subteam"), pinged)
    pinged = s._SLACK_USER().sub(lambda m: "@" + ZWSP + (m.group(2) or m.group(1)), pinged)
    pinged = s._MASS_MENTION().sub("@" + ZWSP, s._SLACK_ANGLE().sub("<" + ZWSP, pinged))
    workflow = s._COLON_PAIR().sub(":" + ZWSP, text).replace("##[", "##" + ZWSP + "[")
    escaped = s._MD_ENTITY().sub(r"\\&", s._MD_ESCAPE().sub(r"\\\1", s.safe_text(text, 1000)))
    return pinged, workflow, s._MD_LEADING().sub(s._escape_leading, escaped)


@settings(max_examples=300, deadline=None)
@given(_PINGY)
def test_skipping_a_pattern_the_text_cannot_match_changes_nothing(text: str) -> None:
    pinged, workflow, inline = _every_pattern(text)
    assert neutralise_mentions(text) == pinged
    assert workflow_safe(text) == workflow
    assert md_inline(text) == inline


def test_plain_text_compiles_none_of_the_rarer_patterns() -> None:
    import json
    import subprocess
    import sys

    script = (
        "from incident_kit import sanitize as s\n"
        "s.md_inline('Checkout latency regression 3'); s.slugify('Checkout latency regression 3')\n"
        "print(json.dumps([n for n in ('_SLACK_SPECIAL', '_SLACK_SUBTEAM', '_SLACK_USER', '_SLACK_ANGLE',"
        " '_MASS_MENTION', '_COLON_PAIR', '_MD_ENTITY', '_NETLOC', '_HANDLE', '_INLINE_ESCAPES')"
        " if getattr(s, n).cache_info().currsize]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + script], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []
