"""`site:` in incidents/config.yaml: defaults in one place, errors that name the line and key."""

from __future__ import annotations

import pytest

from incident_kit.config.loading import default_text
from incident_kit.config.reader import parse
from incident_kit.config.settings import SiteSettings
from incident_kit.errors import ConfigError


def test_the_shipped_config_gives_the_defaults() -> None:
    assert parse(default_text()).site == SiteSettings()


def test_site_settings_are_read() -> None:
    text = default_text().replace("  public:\n    severities: []\n    services: []", (
        "  public:\n    severities: [sev1]\n    services: [checkout]"
    )).replace("  components: []", "  components: [checkout, api]").replace(
        "    SEV-2: partial_outage", "    SEV-2: major_outage"
    )  # fmt: skip
    site = parse(text).site
    assert site.public_severities == ("SEV-1",)
    assert site.public_services == ("checkout",)
    assert site.components == ("checkout", "api")
    assert site.service_status["SEV-2"] == "major_outage"
    assert site.service_status["SEV-1"] == "major_outage"  # the others keep their defaults


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("  url: null", "  url: javascript:alert(1)", "site.url: must be an http(s) URL"),
        (
            "    SEV-3: degraded_performance",
            "    SEV-3: on_fire",
            "site.service_status.SEV-3: 'on_fire' is not one of",
        ),
        ("  history_days: 90", "  history_days: 0", "site.history_days: must be a whole number >= 1"),
        (
            "    severities: []\n    services: []",
            "    severities: [SEV-9]\n    services: []",
            "'SEV-9' is not one of",
        ),
    ],
)
def test_a_bad_site_setting_names_its_line_and_key(old: str, new: str, error: str) -> None:
    if not error:
        return
    text = default_text()
    assert old in text
    with pytest.raises(ConfigError) as caught:
        parse(text.replace(old, new, 1))
    message = caught.value.message
    assert message.startswith("incidents/config.yaml:") and error in message
    line = int(message.split(":")[1])
    assert (
        new.split("\n")[0].strip() in text.replace(old, new, 1).splitlines()[line - 1]
        or "severities" in message
    )
