"""The one internal shape every alert format is normalised to.

A webhook *delivery* may carry several alerts (Alertmanager and Grafana send groups); a
delivery is one incident, keyed by its group's dedup key, listing the alerts in it.
Adapters (one module per format) turn a parsed JSON payload into a `Delivery`; they do no
I/O and know nothing of git, files or configuration beyond `ParseOptions`.
"""

# No `from __future__ import annotations` here: typing.NamedTuple compiles every string
# annotation into a ForwardRef when the class is made, which every command pays for.

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from incident_kit.errors import EXIT_OK, IncidentKitError
from incident_kit.severity import DEFAULT_SCALE, Scale

AlertStatus = Literal["firing", "resolved"]
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")


class Link(NamedTuple):
    title: str
    url: str


class Alert(NamedTuple):
    """One alert inside a delivery, already sanitised (single-line, bounded text)."""

    title: str
    status: AlertStatus
    dedup_key: str
    service: str | None = None
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    severity: str | None = None  # a level of the team's scale when the payload says, else None
    raw_severity: str | None = None  # what the payload said, for the record
    started_at: datetime | None = None  # aware, UTC
    ended_at: datetime | None = None
    links: tuple[Link, ...] = ()
    labels: Mapping[str, str] = {}
    # the sender's longer text (Alertmanager/Grafana `annotations.description`, an alarm's
    # description): with the labels, what tells two alerts of one group apart
    description: str | None = None


class Delivery(NamedTuple):
    """One webhook delivery, normalised: what one `incident declare` call acts on."""

    format: str  # adapter name, e.g. "alertmanager"
    source: str  # emitting system, e.g. "alertmanager" or the native payload's `source`
    dedup_key: str  # group key: what links re-deliveries and the resolved delivery
    status: AlertStatus  # firing if any alert in it fires
    title: str
    alerts: tuple[Alert, ...]
    service: str | None = None
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None
    severity: str | None = None
    started_at: datetime | None = None
    links: tuple[Link, ...] = ()
    labels: Mapping[str, str] = {}
    raw_severity: str | None = None  # what the payload said, for the record
    ended_at: datetime | None = None  # when the source says a resolved delivery ended
    # alerts the sender dropped (Alertmanager/Grafana `truncatedAlerts`) or that we did not
    # read (over the per-delivery cap): the incident should say the list is incomplete
    truncated_alerts: int = 0
    # set when the sender marked this as its test notification ("Grafana test notification"):
    # config decides whether it is ignored or declared as a drill
    test_notification: str | None = None

    @property
    def lists_alerts(self) -> bool:
        """A group whose alerts are not the delivery itself: its incident lists them one by one."""
        return any(alert.dedup_key != self.dedup_key for alert in self.alerts)


class ParseOptions(NamedTuple):
    """What an adapter may need beyond the payload itself."""

    received_at: datetime  # aware UTC; the start time when the payload carries none
    # per-format severity maps from config, lower-cased raw value -> SEV-n; they override
    # the adapter's built-in map entry by entry
    severity_maps: Mapping[str, Mapping[str, str]] = {}
    # CloudWatch INSUFFICIENT_DATA: ignored (NotAnAlert) unless this is set, then firing
    insufficient_data_as_alert: bool = False
    # the team's severity scale: an alert's own word that the config names (`critical` as an
    # alias of SEV-0) wins over the format's built-in map, whose SEV-n is put onto the scale
    scale: Scale = DEFAULT_SCALE


class NotAnAlert(IncidentKitError):
    """A valid delivery that is not an alert (SNS unsubscribe, PagerDuty `service.*` event,
    Opsgenie AddNote...): the CLI prints the message and exits 0 without declaring."""

    exit_code = EXIT_OK


class AlertFormat(Protocol):
    """One alerting system's webhook shape."""

    name: str

    def detect(self, payload: Mapping[str, Any]) -> bool:
        """True when the payload is unmistakably this format."""
        ...

    def parse(self, payload: Mapping[str, Any], options: ParseOptions) -> Delivery:
        """Normalise the payload; raise `InputError` when it is not a usable alert."""
        ...

    def looks_like(self, payload: Mapping[str, Any]) -> str | None:
        """For a payload no format detects: when it names this system but has a shape this
        format does not read, the one-line refusal that says so (else None)."""
        ...
