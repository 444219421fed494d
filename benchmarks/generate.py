"""Generate realistic incident-kit repositories quickly, for the benchmarks.

Run it with the python of the install being benchmarked: it imports `incident_kit` so that every
file is rendered and edited exactly as the tool does it (`incident_file.render`, `edit.set_fields`,
`edit.add_entry`, `postmortem.render`, the commit message of `change.Change`).

    python benchmarks/generate.py bulk    --out DIR --incidents N [--seed S] [--months M]
    python benchmarks/generate.py history --out DIR --incidents N [--seed S] [--months M]
    python benchmarks/generate.py cli     --out DIR --incidents N [--seed S] [--months M]
    python benchmarks/generate.py synced  --out DIR --incidents N [--seed S] [--months M]

`bulk` writes N incidents in their current states (most closed, ~1/3 with a post-mortem, a few
open, cancelled or merged; the most recent ones still open) plus `incidents/config.yaml`, the
workflows and the regenerated `incidents/README.md`, commits them in one commit and runs
`git gc`. `history` streams N incidents x 5 lifecycle commits (declare, ack, mitigate, resolve,
close; SEV-1/2: declare, ack, resolve, postmortem, close) through `git fast-import` in time order,
each commit with the tool's subject and `Incident:` trailers, then checks out, runs `git gc` and
writes a commit-graph with changed-path Bloom filters. `synced` is `bulk` (the same incidents)
after `sync` told Slack of every incident: each carries the nested `slack:` delivery block
(`sync/results.py` writes it the same way). All print a JSON summary on stdout
(ids the benchmark uses, counts).

`bulk` and `history` never run the `incident` CLI, so 10,000 incidents take seconds, not hours.
`cli` makes a repository the way a team does: every incident is declared (by hand or from an
alert) and walked through its lifecycle by `incident` commands, one commit each, with git's
automatic maintenance left on. The commands run in this process (the CLI's own parser, the same
`transaction.record` and commit path), with `INCIDENT_KIT_NOW` set to each event's time: running
the console script 4,000 times would take ten minutes for the same files and commits.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from incident_kit import ids, lifecycle, postmortem, timeline
from incident_kit.change import Change
from incident_kit.config.loading import default_text
from incident_kit.config.reader import parse as parse_config
from incident_kit.git.repository import Actor
from incident_kit.markdown import frontmatter
from incident_kit.new_incident import NewIncident, render
from incident_kit.sanitize import human_text

PEOPLE = (
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
)
SERVICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("authentication", ("spec-core-001-authentication", "auth")),
    ("checkout", ("cart",)),
    ("payments", ("billing-gateway",)),
    ("search", ("search-api",)),
    ("catalog", ()),
    ("notifications", ("notify",)),
    ("api-gateway", ("edge",)),
    ("orders", ()),
    ("inventory", ()),
    ("recommendations", ("recs",)),
    ("media-upload", ()),
    ("identity-admin", ()),
)
ALERT_SOURCES = (
    ("alertmanager", "prometheus"),
    ("grafana", "grafana"),
    ("datadog", "datadog"),
    ("pagerduty", "pagerduty"),
    ("cloudwatch", "cloudwatch"),
    ("native", "production_monitor"),
    ("sentry", "sentry"),
)
METRICS = (
    ("p99_latency", 200),
    ("error_rate", 1),
    ("http_5xx_rate", 2),
    ("queue_depth", 1000),
    ("consumer_lag", 5000),
    ("cpu_saturation", 85),
    ("disk_usage", 90),
    ("availability", 99),
)
MANUAL_TITLES = (
    "Checkout returns 500 for some customers",
    "Login loops back to the sign-in page",
    "Search results are hours stale",
    "Payment confirmations delayed",
    "Order confirmation emails not delivered",
    "Mobile app crashes on launch for Android 14",
    "Revenue dashboard shows wrong totals",
    "Image uploads fail with 413",
    "Orders stuck in pending",
    "Elevated 502s at the edge",
    "Password reset links expire immediately",
    "Partner webhooks time out",
    "Partial outage in eu-west-1",
    "Certificate expired on the status page",
    "Internal DNS resolution failures",
    "Inventory counts drift after the nightly sync",
)
NOTES = (
    "Error rate started right after deploy {n}",
    "Paged the database on-call; replication lag is {n}s",
    "Customer support reports {n} tickets so far",
    "Rolled the canary back; watching the error budget",
    "Feature flag new-pricing-{n} disabled for all tenants",
    "Status page updated: investigating",
    "Scaled the worker pool from {n} to {m} replicas",
    "Cache hit ratio dropped to {n}% after the eviction storm",
    "Upstream provider confirmed a regional issue (ticket {n})",
    "Traffic shifted to the secondary region",
)
SEVERITY_WEIGHTS = (("SEV-1", 8), ("SEV-2", 28), ("SEV-3", 43), ("SEV-4", 21))
ROOT_CAUSES = (
    "A connection pool capped at {n} connections after a configuration change",
    "An unindexed query introduced in release {n} scanned the orders table",
    "A certificate rotation job failed silently {n} days earlier",
    "A retry storm from clients without jitter amplified a short upstream blip",
    "A schema migration took an exclusive lock for {n} seconds",
    "Disk filled with debug logs enabled during an earlier investigation",
)
ACTION_ITEMS = (
    ("Alert on connection-pool saturation", "detect"),
    ("Add jitter and a retry budget to the client", "prevent"),
    ("Review environment overrides in deploy pull requests", "process"),
    ("Add a runbook step for failing over the queue", "mitigate"),
    ("Load-test the migration on a production-sized copy", "prevent"),
    ("Page on certificate expiry 14 days ahead", "detect"),
    ("Automate the rollback of feature flags on error spikes", "mitigate"),
)


@dataclass
class Stage:
    """One commit's worth of change to one incident."""

    at: datetime
    action: str
    actor: str
    writes: dict[str, str]
    trailers: dict[str, str]
    subject: str


@dataclass
class Incident:
    id: str
    folder: str  # repository-relative
    severity: str
    title: str
    stages: list[Stage] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # current text by repository path
    status: str = "triage"


def _ts(value: datetime) -> str:
    return frontmatter.format_timestamp(value)


def _minutes(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=int(rng.uniform(low, high) * 60))


def _severity(rng: random.Random) -> str:
    names = [name for name, _ in SEVERITY_WEIGHTS]
    return rng.choices(names, weights=[w for _, w in SEVERITY_WEIGHTS])[0]


def config_text() -> str:
    """The default `incidents/config.yaml` with this generator's services in it."""
    text = default_text()
    block = ["services:"]
    for index, (name, aliases) in enumerate(SERVICES):
        block.append(f"  {name}:")
        if aliases:
            block.append(f"    aliases: [{', '.join(aliases)}]")
        block.append(f"    owners: [{PEOPLE[index % len(PEOPLE)]}]")
        block.append("    rotation: primary")
    match = re.search(r"^services:\n(?:[ \t]+.*\n|[ \t]*\n(?=[ \t]))*", text, re.M)
    if match is None:
        raise SystemExit("generate: no `services:` block in the default config")
    text = text[: match.start()] + "\n".join(block) + "\n" + text[match.end() :]
    # SEV-1 incidents are public, so `incident site` has a status page worth measuring
    text = text.replace("  public:\n    severities: []", "  public:\n    severities: [SEV-1]", 1)
    parse_config(text)  # fail here, not in every benchmarked command
    return text


class Generator:
    def __init__(self, seed: int, end: datetime) -> None:
        self.rng = random.Random(seed)
        self.end = end
        self.taken: set[str] = set()

    # -- one incident ------------------------------------------------------------------------

    def declare(self, at: datetime) -> tuple[Incident, frontmatter.Document, dict[str, Any]]:
        rng = self.rng
        severity = _severity(rng)
        service, _ = rng.choice(SERVICES)
        commander = rng.choice(PEOPLE)
        entries: list[tuple[datetime, str, str]] = []
        alert: dict[str, Any] | None = None
        links: tuple[dict[str, str], ...] = ()
        if rng.random() < 0.65:
            fmt, source = rng.choice(ALERT_SOURCES)
            metric, threshold = rng.choice(METRICS)
            value = round(threshold * rng.uniform(1.1, 4.0))
            title = f"{metric} {value} above SLO {threshold} on {service}"
            started = at - _minutes(rng, 0.5, 12)
            alert = {
                "format": fmt,
                "source": source,
                "dedup_key": f"{fmt}:{source}:{service}:{metric}",
                "metric": metric,
                "value": value,
                "threshold": threshold,
                "status": "firing",
                "alerts": rng.choice((1, 1, 1, 2, 3)),
                "occurrences": 1,
                "first_seen": at,
                "last_seen": at,
            }
            if rng.random() < 0.4:
                links = (
                    {
                        "title": "Dashboard",
                        "url": f"https://grafana.example.com/d/{service}?from={int(started.timestamp())}",
                    },
                )
            entries.append((started, f"Alert fired: {human_text(title, 200)}", source))
            summary = (
                f"Alert from {source} on {service}: {metric} is {value} against a threshold of {threshold}."
            )
            declared_what, who = f"Declared from {fmt} alert", "incident-bot"
        else:
            title = rng.choice(MANUAL_TITLES)
            started = at - _minutes(rng, 2, 40)
            source = "manual"
            summary = f"{title}. Reported by {rng.choice(PEOPLE)} from customer support."
            declared_what, who = "Declared by hand", rng.choice(PEOPLE)
        entries.append((at, f"{declared_what}, {severity}; commander: {commander}", who))
        # as the tool does: an alert's incident takes its dedup key's code when free that day
        incident_id = ids.new_id(
            at,
            self.taken,
            lambda: "".join(rng.choice(ids.ALPHABET) for _ in range(4)),
            dedup_key=alert["dedup_key"] if alert else None,
        )
        self.taken.add(incident_id)
        text = render(
            NewIncident(
                id=incident_id,
                title=title,
                severity=severity,
                kind="incident" if rng.random() < 0.97 else "drill",
                service=service,
                source=source,
                commander=commander,
                declared_at=at,
                detected_at=started,
                impact_started_at=started - _minutes(rng, 0, 20) if rng.random() < 0.3 else None,
                summary=summary,
                timeline=entries,
                alert=alert,
                links=links,
            )
        )
        folder = f"incidents/{ids.month_folder(at)}/{ids.folder_name(incident_id, title)}"
        incident = Incident(incident_id, folder, severity, title)
        path = f"{folder}/incident.md"
        incident.files[path] = text
        incident.stages.append(
            Stage(
                at,
                "declare",
                who,
                {path: text},
                {"Action": "declare", "Transition": "none -> triage", "Severity": severity},
                f"declare {severity} {title}"[:120],
            )
        )
        document = frontmatter.split(text, path)
        state: dict[str, Any] = {
            "id": incident_id,
            "title": title,
            "status": "triage",
            "severity": severity,
            "service": service,
            "commander": commander,
            "source": source,
            "detected_at": started,
            "declared_at": at,
            "impact_started_at": None,
            "alert": alert,
        }
        return incident, document, state

    def _notes(self, document: frontmatter.Document, start: datetime, end: datetime, source: str) -> Any:
        rng = self.rng
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            if end <= start:
                break
            at = start + timedelta(seconds=rng.randrange(1, max(2, int((end - start).total_seconds()))))
            what = rng.choice(NOTES).format(n=rng.randrange(2, 5000), m=rng.randrange(5000, 9000))
            document = timeline.record(document, at, human_text(what), rng.choice(PEOPLE), source)
        return document

    def transition(
        self,
        incident: Incident,
        document: frontmatter.Document,
        state: dict[str, Any],
        action: str,
        at: datetime,
        previous: datetime,
        **extra: str,
    ) -> frontmatter.Document:
        rng = self.rng
        path = f"{incident.folder}/incident.md"
        document = self._notes(document, previous, at, path)
        status = state["status"]
        rule = lifecycle.check(action, status)
        updates: dict[str, Any] = lifecycle.stamps(rule, state, at)
        trailers = {"Action": action, "Transition": f"{status} -> {rule.target}"}
        what = rule.summary
        writes: dict[str, str] = {}
        who = state["commander"] if rng.random() < 0.7 else rng.choice(PEOPLE)
        if action == "cancel":
            reason = extra.get("reason", "false alarm: the synthetic check was misconfigured")
            updates["cancel_reason"] = reason
            what = f"Cancelled: {human_text(reason)}"
        elif action == "merge":
            updates["merged_into"] = extra["into"]
            trailers["Merged-Into"] = extra["into"]
            what = f"Merged into {extra['into']} (duplicate)"
        elif action == "mitigate" and rng.random() < 0.5:
            deployment = str(rng.randrange(1000, 99999))
            plan = f"roll back deployment {deployment}"
            what = f"Mitigated; plan: {plan}"
            trailers |= {"Plan": plan, "Rollback": deployment}
        elif action == "resolve":
            implied = [key.removesuffix("_at") for key in rule.stamps if key in updates]
            if implied:
                what = f"Resolved (also stamps {' and '.join(implied)})"
        elif action == "postmortem":
            times = {key: state.get(key) for key in (*lifecycle.ORDER, "declared_at")} | {
                k: v for k, v in updates.items() if k.endswith("_at")
            }
            entries = timeline.entries(document.body, path)
            text = postmortem.render(state | updates, times, entries, author=who, now=at)
            pm_path = f"{incident.folder}/postmortem.md"
            writes[pm_path] = self._fill_postmortem(text, at) if extra.get("fill") else text
            what = "Post-mortem started: postmortem.md"
        document = document.with_values(updates)
        document = timeline.record(document, at, what, who, path)
        state.update(updates)
        writes[path] = document.text()
        incident.files.update(writes)
        incident.status = rule.target
        incident.stages.append(
            Stage(at, action, who, writes, trailers, f"{action} ({status} \u2192 {rule.target})")
        )
        return document

    def _fill_postmortem(self, text: str, at: datetime) -> str:
        """What a commander writes by hand (the sections SEV-1 and SEV-2 require)."""
        rng = self.rng
        n = rng.randrange(2, 900)
        content = {
            "Summary": f"Customers saw errors for about {rng.randrange(10, 300)} minutes; "
            f"{rng.choice(ROOT_CAUSES).format(n=n).lower()}.",
            "Impact": f"About {rng.randrange(1, 60)}% of requests failed; "
            f"{rng.randrange(1, 40)}% of the monthly error budget burned.",
            "Root cause": "\n".join(
                f"{i}. Why? {rng.choice(ROOT_CAUSES).format(n=rng.randrange(2, 900))}." for i in range(1, 6)
            ),
            "Resolution": f"Rolled back deployment {n}; error rates returned to normal within "
            f"{rng.randrange(2, 30)} minutes, confirmed on the service dashboard.",
            "What went well": "- The alert fired within two minutes\n- The rollback was one command",
            "What went wrong": "- The runbook pointed at a dashboard that no longer exists",
        }
        for section, body in content.items():
            prompt = re.compile(
                rf"(## {re.escape(section)}\n\n(?:- [^\n]*\n)*)<!--.*?-->\n", re.S
            )  # after any facts
            match = prompt.search(text)
            if match:
                text = text[: match.start()] + match.group(1) + body + "\n" + text[match.end() :]
        due = (at + timedelta(days=14)).date().isoformat()
        items = "".join(
            f"- [{'x' if rng.random() < 0.5 else ' '}] AI-{i}: {title} \u2014 owner: @{rng.choice(PEOPLE)}"
            f" \u2014 due: {due} \u2014 type: {kind}\n"
            for i, (title, kind) in enumerate(rng.sample(ACTION_ITEMS, rng.randrange(1, 4)), start=1)
        )
        return re.sub(r"(## Action items\n\n)", lambda m: m.group(1) + items, text, count=1)

    # -- lifecycles --------------------------------------------------------------------------

    def lifecycle_bulk(self, at: datetime, recent: Sequence[str]) -> Incident:
        """A realistic current state: the steps planned after `self.end` have not happened yet."""
        rng = self.rng
        incident, document, state = self.declare(at)
        plan: list[tuple[str, datetime, dict[str, str]]] = []
        t = at
        roll = rng.random()
        if roll < 0.07:
            if rng.random() < 0.5:
                t += _minutes(rng, 1, 20)
                plan.append(("ack", t, {}))
            plan.append(("cancel", t + _minutes(rng, 2, 90), {}))
        elif roll < 0.10 and recent:
            plan.append(("merge", t + _minutes(rng, 1, 30), {"into": rng.choice(recent)}))
        else:
            t += _minutes(rng, 1, 30)
            plan.append(("ack", t, {}))
            if rng.random() < 0.8:
                t += _minutes(rng, 5, 240)
                plan.append(("mitigate", t, {}))
            t += _minutes(rng, 5, 600)
            plan.append(("resolve", t, {}))
            if incident.severity in ("SEV-1", "SEV-2"):
                t += _minutes(rng, 600, 4 * 1440)
                plan.append(("postmortem", t, {"fill": "yes"}))
            t += _minutes(rng, 60, 10 * 1440)
            plan.append(("close", t, {}))
        previous = at
        for action, when, extra in plan:
            if when > self.end:
                break
            document = self.transition(incident, document, state, action, when, previous, **extra)
            previous = when
        return incident

    def lifecycle_history(self, at: datetime) -> Incident:
        """Exactly five commits, all before `self.end`."""
        rng = self.rng
        incident, document, state = self.declare(at)
        t = at + _minutes(rng, 1, 30)
        plan: list[tuple[str, datetime, dict[str, str]]] = [("ack", t, {})]
        if incident.severity in ("SEV-1", "SEV-2"):
            t += _minutes(rng, 10, 600)
            plan.append(("resolve", t, {}))
            t += _minutes(rng, 600, 3 * 1440)
            plan.append(("postmortem", t, {"fill": "yes"}))
        else:
            t += _minutes(rng, 5, 240)
            plan.append(("mitigate", t, {}))
            t += _minutes(rng, 5, 600)
            plan.append(("resolve", t, {}))
        t += _minutes(rng, 60, 5 * 1440)
        plan.append(("close", t, {}))
        previous = at
        for action, when, extra in plan:
            document = self.transition(incident, document, state, action, when, previous, **extra)
            previous = when
        return incident

    def declared_times(self, count: int, start: datetime, end: datetime) -> list[datetime]:
        span = int((end - start).total_seconds())
        return sorted(start + timedelta(seconds=self.rng.randrange(span)) for _ in range(count))


# --- git ----------------------------------------------------------------------------------------


def git(root: Path, *args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, input=input, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"generate: git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def init_repo(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for key, value in (
        ("user.name", "bench"),
        ("user.email", "bench@example.com"),
        ("gc.auto", "0"),
        ("commit.gpgSign", "false"),
    ):
        git(root, "config", key, value)


def scaffold() -> dict[str, str]:
    from incident_kit.commands.init import scaffold_files

    files = scaffold_files()
    files["incidents/config.yaml"] = config_text()
    return files


def finish(root: Path) -> None:
    git(root, "gc", "-q")
    git(root, "commit-graph", "write", "--reachable", "--changed-paths")


def synced(incident: Incident, check: bool = False) -> None:
    """The incident after `sync` delivered it to Slack: its `slack:` block, with the nested
    `announced:` mapping and `told:` list, as apply_results writes it (`Document.with_value`,
    which `check` compares with; written as text here because ruamel takes ~40 ms a file)."""
    from incident_kit.markdown import field_scan

    path = f"{incident.folder}/incident.md"
    document = frontmatter.split(incident.files[path], path)
    data = field_scan.scan(document.frontmatter) or {}
    stamp = data.get(f"{incident.status}_at") or data.get("declared_at")
    at = frontmatter.format_timestamp(stamp) if isinstance(stamp, datetime) else ""
    code = incident.id[-4:]
    block = (
        "slack:\n  via: slack\n"
        f"  channel_id: C{code.upper()}0SYNC\n"
        f"  channel_name: {incident.id}-{incident.folder.rsplit('-', 1)[-1]}\n"
        f"  announced:\n    status: {incident.status}\n    status_at: '{at}'\n"
        f"    severity: {incident.severity}\n    commander: {data.get('commander')}\n"
        f"  told_at: '{at}'\n  told:\n    - {code}a1b2c3\n    - {code}d4e5f6\n"
        "  status_ts: '1700000000.000100'\n"
    )
    text = document.with_frontmatter(document.frontmatter + block).text()
    if check:
        state = frontmatter.load(block, path)["slack"]
        expected = document.with_value(["slack"], state).text()
        if expected != text:
            raise SystemExit(f"generate: the slack block differs from what sync writes:\n{expected}")
    incident.files[path] = text


def build_bulk(
    root: Path, count: int, seed: int, months: int, end: datetime, *, with_slack: bool = False
) -> dict[str, Any]:
    gen = Generator(seed, end)
    init_repo(root)
    files = scaffold()
    start = end - timedelta(days=30 * months)
    recent: list[str] = []
    statuses: dict[str, int] = {}
    postmortems = 0
    incidents: list[Incident] = []
    for at in gen.declared_times(count, start, end - timedelta(minutes=5)):
        incident = gen.lifecycle_bulk(at, recent[-20:])
        if with_slack:
            synced(incident, check=not recent)
        recent.append(incident.id)
        incidents.append(incident)
        files.update(incident.files)
        statuses[incident.status] = statuses.get(incident.status, 0) + 1
        postmortems += any(p.endswith("/postmortem.md") for p in incident.files)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    from incident_kit.commands.index import render_current

    (root / "incidents/README.md").write_bytes(render_current(root, end).encode("utf-8"))
    env = dict(os.environ) | {"GIT_AUTHOR_DATE": _ts(end), "GIT_COMMITTER_DATE": _ts(end)}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"Import {count} incidents (generated for benchmarks)", env=env)
    finish(root)
    closed = [i for i in incidents if i.status == "closed"]
    return {
        "kind": "synced" if with_slack else "bulk",
        "incidents": count,
        "postmortems": postmortems,
        "statuses": statuses,
        "files": len(files) + 1,
        # three closed incidents spread over the repository: the pull request edits these
        "pr_ids": [closed[len(closed) * k // 4].id for k in (1, 2, 3)],
        "services": [name for name, _ in SERVICES],
    }


def _fast_import_commit(out: IO[bytes], stage: Stage, incident_id: str) -> None:
    change = Change(
        incident_id=incident_id, subject=stage.subject, writes=stage.writes, trailers=stage.trailers
    )
    actor = Actor(stage.actor, f"{stage.actor}@example.com")
    message = change.message(actor).encode("utf-8")
    when = f"{int(stage.at.timestamp())} +0000"
    out.write(b"commit refs/heads/main\n")
    out.write(f"author {actor.name} <{actor.email}> {when}\n".encode())
    out.write(f"committer {actor.name} <{actor.email}> {when}\n".encode())
    out.write(b"data %d\n%s\n" % (len(message), message))
    for rel, text in stage.writes.items():
        data = text.encode("utf-8")
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(data), data))


def build_history(root: Path, count: int, seed: int, months: int, end: datetime) -> dict[str, Any]:
    gen = Generator(seed, end)
    init_repo(root)
    last = end - timedelta(days=16)  # every lifecycle (at most ~10 days) ends before `end`
    start = last - timedelta(days=30 * months)
    incidents = [gen.lifecycle_history(at) for at in gen.declared_times(count, start, last)]
    events: list[tuple[datetime, int, int]] = [
        (stage.at, index, number)
        for index, incident in enumerate(incidents)
        for number, stage in enumerate(incident.stages)
    ]
    events.sort()
    process = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=root, stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None
    out = process.stdin
    first = start - timedelta(days=1)
    setup = Stage(first, "init", "bench", scaffold(), {"Action": "init"}, "incident-kit: init")
    _fast_import_commit(out, setup, "")
    for _, index, number in events:
        _fast_import_commit(out, incidents[index].stages[number], incidents[index].id)
    out.write(b"done\n")
    out.close()
    error = process.stderr.read() if process.stderr else b""
    if process.wait() != 0:
        raise SystemExit(f"generate: git fast-import failed: {error.decode(errors='replace')}")
    git(root, "reset", "-q", "--hard", "main")
    finish(root)
    order = [incidents[index].id for index in sorted(range(count), key=lambda i: incidents[i].stages[0].at)]
    commits = int(git(root, "rev-list", "--count", "HEAD").strip())
    return {
        "kind": "history",
        "incidents": count,
        "commits": commits,
        "postmortems": sum(any(p.endswith("/postmortem.md") for p in i.files) for i in incidents),
        # an early, a middle and a recent incident (by declaration time) for `incident log`
        "log_ids": {"early": order[min(41, count - 1)], "middle": order[count // 2], "recent": order[-10]},
    }


JSON = ("--format", "json")


def build_cli(root: Path, count: int, seed: int, months: int, end: datetime) -> dict[str, Any]:
    """`count` incidents made by `incident` commands, in time order, one commit per command."""
    from contextlib import redirect_stdout
    from io import StringIO

    from incident_kit import cli
    from incident_kit.error_handler import handle

    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "alice")
    git(root, "config", "user.email", "alice@example.com")
    for rel, text in scaffold().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    start = end - timedelta(days=30 * months)
    env = dict(os.environ) | {"GIT_AUTHOR_DATE": _ts(start), "GIT_COMMITTER_DATE": _ts(start)}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "incident-kit: init", env=env)

    def incident(*args: str, at: datetime) -> dict[str, Any]:
        os.environ["INCIDENT_KIT_NOW"] = _ts(at)
        out = StringIO()
        with redirect_stdout(out):
            code = handle(cli.build_app(args[0]), [*args, "--repo", str(root)])
        if code != 0:
            raise SystemExit(f"generate: incident {' '.join(args)} exited {code}")
        return json.loads(out.getvalue()) if "--format" in args else {}

    # each incident's events: declare, ack, perhaps a note, resolve, then close (SEV-1/2: the
    # post-mortem is started, and a person writes it); the newest stay open
    events: list[tuple[datetime, int, str]] = []
    severities = [_severity(rng) for _ in range(count)]
    span = int((end - start).total_seconds())
    times = sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    last = end - timedelta(hours=1)
    for number, at in enumerate(times):
        at = min(at, last - timedelta(minutes=count - number))
        events.append((at, number, "declare"))
        steps = [("ack", _minutes(rng, 2, 30))]
        if rng.random() < 0.4:
            steps.append(("note", _minutes(rng, 5, 60)))
        last_step = "postmortem" if severities[number] in ("SEV-1", "SEV-2") else "close"
        steps += [("resolve", _minutes(rng, 20, 240)), (last_step, _minutes(rng, 60 * 24, 60 * 24 * 7))]
        when = at
        for action, delay in steps:
            when = when + delay
            if when < last:
                events.append((when, number, action))
    events.sort()
    made: dict[int, str] = {}
    declared = alerts = 0
    for at, number, action in events:
        if action == "declare":
            service, aliases = SERVICES[number % len(SERVICES)]
            if rng.random() < 0.5:  # alerts repeat: a few keys per service come back over the year
                metric, threshold = METRICS[rng.randrange(3)]
                spec = aliases[0] if aliases else service
                payload = {
                    "source": "production_monitor",
                    "spec_id": spec,
                    "metric": metric,
                    "value": threshold * 2,
                    "slo": threshold,
                    "severity": severities[number],
                }
                result = incident("declare", "--alert-payload", json.dumps(payload), *JSON, at=at)
                alerts += 1
            else:
                title = rng.choice(MANUAL_TITLES)
                fields = ["--severity", severities[number], "--service", service]
                result = incident("declare", "--manual-incident", "--title", title, *fields, *JSON, at=at)
            if result.get("created"):
                made[number] = str(result["id"])
                declared += 1
        elif number in made:
            extra = ["Checked the dashboards with the on-call"] if action == "note" else []
            incident(action, made[number], *extra, at=at)
    os.environ.pop("INCIDENT_KIT_NOW", None)
    commits = int(git(root, "rev-list", "--count", "HEAD").strip())
    return {"kind": "cli", "incidents": declared, "alert_declared": alerts, "commits": commits}


def _main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("kind", choices=("bulk", "history", "cli", "synced"))
    parser.add_argument("--out", type=Path, required=True, help="new repository directory")
    parser.add_argument("--incidents", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--months", type=int, default=36, help="declarations spread over this many months")
    parser.add_argument("--end", help="RFC 3339 end of the generated period (default: now)")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        raise SystemExit(f"generate: {args.out} exists and is not empty")
    end = (
        datetime.fromisoformat(args.end.replace("Z", "+00:00"))
        if args.end
        else datetime.now(UTC).replace(microsecond=0)
    )
    if args.kind == "synced":
        summary = build_bulk(args.out, args.incidents, args.seed, args.months, end, with_slack=True)
    else:
        build = {"bulk": build_bulk, "history": build_history, "cli": build_cli}[args.kind]
        summary = build(args.out, args.incidents, args.seed, args.months, end)
    json.dump(summary, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
