"""The invariant every parsed delivery must hold, whatever the payload said."""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from incident_kit.alerts.model import Delivery
from incident_kit.sanitize import slugify

ZWSP = "\u200b"
TEXT_BOUND = 200
URL_BOUND = 2000
_MASS_MENTION = re.compile(r"@(here|channel|everyone|group)\b|<!|<@", re.IGNORECASE)
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def strings_of(value: object, where: str = "delivery") -> Iterator[tuple[str, str]]:
    """Every (location, string) inside a delivery: fields, alerts, links, label keys/values."""
    if isinstance(value, str):
        yield where, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from strings_of(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, tuple) and hasattr(value, "_fields"):  # a NamedTuple (Delivery, Alert, Link)
        for name in value._fields:
            yield from strings_of(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings_of(key, f"{where}[key]")
            yield from strings_of(item, f"{where}[{key!r}]")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from strings_of(item, f"{where}[{index}]")


def assert_delivery_safe(delivery: Delivery) -> None:
    assert isinstance(delivery, Delivery)
    assert delivery.status in ("firing", "resolved")
    assert delivery.title, "a delivery always has a title"
    assert delivery.alerts, "a delivery lists at least one alert"
    for where, text in strings_of(delivery):
        is_url = where.endswith(".url")
        assert len(text) <= (URL_BOUND if is_url else TEXT_BOUND), where
        assert text == text.strip(), f"{where} has surrounding whitespace"
        for ch in text:
            assert ch == ZWSP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), (
                f"{where} holds {ch!r}"
            )
            assert ch == " " or not ch.isspace(), f"{where} holds whitespace {ch!r}"
        assert not _MASS_MENTION.search(text), f"{where} can ping: {text!r}"
        assert "::" not in text or is_url, f"{where} can issue a workflow command: {text!r}"
        assert "##[" not in text, f"{where} can issue a legacy workflow command"
        if is_url:
            parts = urlsplit(text)
            assert parts.scheme in ("http", "https") and parts.netloc, where
            assert "@" not in parts.netloc, f"{where} carries credentials"
            rest = parts.path + parts.query + parts.fragment
            assert not re.search(r"[\s<>\"'`()\[\]]", rest), f"{where} can break a link"
    for value in (delivery.value, delivery.threshold, *(a.value for a in delivery.alerts)):
        assert value is None or math.isfinite(value)
    for stamp in (delivery.started_at, delivery.ended_at, *(a.started_at for a in delivery.alerts)):
        assert stamp is None or (isinstance(stamp, datetime) and stamp.utcoffset() is not None)
    slug = slugify(delivery.title)
    assert slug == "" or (_SLUG.fullmatch(slug) and len(slug) <= 40), slug
