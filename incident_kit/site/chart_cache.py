"""The overview's charts section kept between builds, so that a rebuild where nothing the
charts show changed neither counts every record again nor imports the chart code.

`.git/incident-kit/site-charts.v1` holds one section and its key: a digest of everything the
charts are drawn from, namely the chart fields of every record (declared time, severity,
service, times to acknowledge and to resolve, in the records' order), today's UTC date (the
26 weeks and 12 months end today), the severity scale, the site's code (`build.code_key`)
and the sources of the report code the charts use. The fields are encoded with marshal
version 2, which writes equal values as equal bytes (no references, no interning marks), and
decoding gives the values back, so two keys are equal only when the inputs are. Any other
key, or a missing or damaged file, means the charts are drawn again; writing is best effort.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

from incident_kit.site.record import Record
from incident_kit.store import new_temp_file

NAME = "site-charts.v1"
_HEADER = b"incident-kit site charts 1\n"
_FIELDS = itemgetter(
    *(Record._fields.index(n) for n in ("declared", "severity", "service", "ack_s", "resolve_s"))
)
# the report code the charts are drawn with, beside the site's own (in `code`)
_SOURCES = ("reports/chart_data.py", "reports/stats/compute.py", "reports/stats/durations.py")


def key(records: Sequence[Record], now: datetime, scale: Sequence[str], code: str) -> str:
    digest = hashlib.blake2b(digest_size=20)
    today = now.astimezone(UTC).date().isoformat()
    digest.update(marshal.dumps([code, today, list(scale)], 2))
    package = Path(__file__).parent.parent
    for rel in _SOURCES:
        try:
            digest.update((package / rel).read_bytes())
        except OSError:
            digest.update(b"\0missing\0")
    digest.update(marshal.dumps(list(map(_FIELDS, records)), 2))
    return digest.hexdigest()


def read(path: Path, wanted: str) -> str | None:
    """The section kept under `wanted`, None when the file holds another (or none)."""
    try:
        with open(path, "rb") as handle:
            if handle.readline() != _HEADER or handle.readline() != f"{wanted}\n".encode():
                return None
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(path: Path, kept: str, section: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = new_temp_file(path.parent, ".site-charts-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_HEADER + f"{kept}\n".encode() + section.encode("utf-8"))
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)


def section(
    path: Path,
    records: Sequence[Record],
    now: datetime,
    scale: Sequence[str],
    code: str,
    *,
    reuse: bool = True,
) -> str:
    """The charts section of the overview: the kept one when its key matches (and `reuse`:
    `incident site --full` draws them again), else drawn and kept."""
    wanted = key(records, now, scale, code)
    kept = read(path, wanted) if reuse else None
    if kept is not None:
        return kept
    from incident_kit.site.overview_charts import charts

    drawn = charts(records, now, scale)
    write(path, wanted, drawn)
    return drawn
