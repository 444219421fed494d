"""Who is on call at an instant: rotations with hand-offs in local time, and overrides.

Shifts are counted in local calendar days, not in hours, so a daylight-saving change
moves no hand-off: a 09:00 Europe/Berlin hand-off stays at 09:00 local time across the
switch (08:00 UTC in winter, 07:00 UTC in summer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from incident_kit.clock import zones
from incident_kit.config.settings import Config, Rotation


def on_call(rotation: Rotation, at: datetime) -> str:
    """The member of `rotation` on call at the aware instant `at`."""
    # `zones.named`: a UTC rotation (the usual case) never imports zoneinfo, which pulls in
    # sysconfig (~3 ms of every `declare`)
    local = at.astimezone(zones.named(rotation.timezone))
    day = local.date()
    if local.time().replace(tzinfo=None) < rotation.handoff:
        day -= timedelta(days=1)  # before today's hand-off: still yesterday's shift
    days = (day - rotation.start).days
    shift = days // rotation.period_days
    return rotation.members[shift % len(rotation.members)]


def commander_for(config: Config, service: str | None, at: datetime) -> str | None:
    """The Incident Commander for a new incident: override, else the service's rotation."""
    rotation_name = config.default_rotation
    if service and service in config.services and config.services[service].rotation:
        rotation_name = config.services[service].rotation
    for override in config.overrides:
        if override.rotation in (None, rotation_name) and override.start <= at < override.end:
            return override.who
    rotation = config.rotations.get(rotation_name) if rotation_name else None
    if rotation is None:
        return None
    return on_call(rotation, at)
