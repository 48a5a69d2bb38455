"""`dlscan run` over three nights: history, new/open/resolved, tickets through an outage, no duplicates."""

from __future__ import annotations

import datetime
import json
from functools import partial
from pathlib import Path

import pytest
from conftest import SAMPLE
from nights import findings_of, three_nights
from ticket_servers import JiraApp, ServiceNowApp, TicketServer, WebhookApp, basic

from dlscan.findings import Severity
from dlscan.history.store import HistoryStore
from dlscan.nightly import NightlyOptions

NIGHTS = [datetime.datetime(2026, 11, day, 2, 0, tzinfo=datetime.UTC) for day in (20, 21, 22)]


@pytest.fixture(scope="module")
def night_files(tmp_path_factory):
    return three_nights(SAMPLE, tmp_path_factory.mktemp("nights"))


@pytest.fixture(scope="module")
def expected(night_files):
    return [findings_of(path) for path in night_files]


class Job:
    """A nightly job's folder: config, state, outputs; `night(n)` runs `dlscan run` as that night."""

    def __init__(self, folder: Path, dlscan, monkeypatch, tickets: str = "") -> None:
        self.folder, self.dlscan, self.monkeypatch = folder, dlscan, monkeypatch
        self.state = folder / "state"
        self.tickets = tickets
        self.extra_run = ""

    def write_config(self, source: Path) -> Path:
        config = self.folder / "dlscan.toml"
        config.write_text(
            f'[run]\ninput = "{source.as_posix()}"\nstate_dir = "state"\ncsv = "out/findings.csv"\n'
            f'json = "out/findings.json"\n{self.extra_run}\n{self.tickets}',
            encoding="utf-8",
        )
        (self.folder / "out").mkdir(exist_ok=True)
        return config

    def night(self, number: int, source: Path, *args: str, when: datetime.datetime | None = None):
        config = self.write_config(source)
        clock = when or NIGHTS[number - 1]
        self.monkeypatch.setattr(
            "dlscan.nightly.NightlyOptions", partial(NightlyOptions, clock=lambda: clock, retry_time_scale=0.0)
        )
        return self.dlscan("run", "--config", config, "--fail-on", "never", *args)

    def statuses(self) -> dict[str, set[str]]:
        rows = json.loads((self.folder / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
        found: dict[str, set[str]] = {"new": set(), "open": set(), "resolved": set()}
        for row in rows:
            found[row["status"]].add(row["finding_id"])
        return found


def at_least_high(findings) -> set[str]:
    return {fp for fp, f in findings.items() if f.severity.at_least(Severity.HIGH)}


def test_three_nights_give_the_right_new_open_and_resolved_sets(night_files, expected, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    first = job.night(1, night_files[0])
    assert first.code == 0, first.err
    assert job.statuses() == {"new": set(expected[0]), "open": set(), "resolved": set()}
    for number in (2, 3):
        before, now = expected[number - 2], expected[number - 1]
        outcome = job.night(number, night_files[number - 1])
        assert outcome.code == 0, outcome.err
        assert job.statuses() == {
            "new": set(now) - set(before),
            "open": set(now) & set(before),
            "resolved": set(before) - set(now),
        }
        assert set(before) - set(now) and (number == 3 or set(now) - set(before))  # fixes, and a new hazard
    with HistoryStore(job.state / "history.sqlite") as store:
        runs = store.runs()
        assert [r["outcome"] for r in runs] == ["ok", "ok", "ok"]
        assert runs[1]["new"] == len(set(expected[1]) - set(expected[0]))
        open_now = store.findings(open_only=True)
    assert set(open_now) == set(expected[2])
    first_seen = {fp: k.first_seen for fp, k in open_now.items()}
    survivor = next(iter(set(expected[0]) & set(expected[2])))
    assert first_seen[survivor] == NIGHTS[0].isoformat(timespec="seconds")


def jira_config(server: TicketServer, version: int = 2) -> str:
    return (
        '[tickets]\nsystem = "jira"\nmin_severity = "high"\non_resolve = "close"\n'
        f'[tickets.jira]\nurl = "{server.url}"\napi_version = {version}\nproject = "SEC"\n'
        'user_env = "JIRA_USER"\ntoken_env = "JIRA_TOKEN"\nlabels = ["data-protection"]\n'
    )


def servicenow_config(server: TicketServer) -> str:
    return (
        '[tickets]\nsystem = "servicenow"\non_resolve = "close"\n'
        f'[tickets.servicenow]\nurl = "{server.url}"\nuser_env = "SN_USER"\npassword_env = "SN_PASSWORD"\n'
        'assignment_group = "Data Protection"\n'
    )


def webhook_config(server: TicketServer) -> str:
    return (
        '[tickets]\nsystem = "webhook"\non_resolve = "comment"\n'
        f'[tickets.webhook]\nurl = "{server.url}/hook"\nsecret_env = "HOOK_SECRET"\n'
    )


SYSTEMS = {
    "jira-v2": (lambda: JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token")), jira_config),
    "jira-v3": (
        lambda: JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token")),
        partial(jira_config, version=3),
    ),
    "servicenow": (lambda: ServiceNowApp(expected_auth=basic("svc_dlscan", "sn-password")), servicenow_config),
    "webhook": (lambda: WebhookApp(secret="hook-secret"), webhook_config),
}


def tickets_raised(app) -> list[str]:
    """The finding ids the system holds a ticket for, once per ticket."""
    if isinstance(app, JiraApp):
        return [
            label.removeprefix("dlscan-")
            for issue in app.issues.values()
            for label in issue["fields"]["labels"]
            if label.startswith("dlscan-")
        ]
    if isinstance(app, ServiceNowApp):
        return [record["correlation_id"] for record in app.records.values()]
    return [d["key"].removeprefix("finding.new:") for d in app.deliveries if d["key"].startswith("finding.new:")]


def tickets_resolved(app) -> set[str]:
    if isinstance(app, JiraApp):
        return {
            label.removeprefix("dlscan-")
            for issue in app.issues.values()
            if issue["status"] == "Done"
            for label in issue["fields"]["labels"]
            if label.startswith("dlscan-")
        }
    if isinstance(app, ServiceNowApp):
        return {r["correlation_id"] for r in app.records.values() if r["state"] == "6" and r.get("close_notes")}
    return {
        d["body"]["ticket"].removeprefix("webhook:") for d in app.deliveries if d["key"].startswith("finding.resolved:")
    }


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_one_ticket_per_new_finding_through_an_outage(system, night_files, expected, tmp_path, dlscan, monkeypatch):
    for name, value in {
        "JIRA_USER": "dlscan@wyvern.gov.uk",
        "JIRA_TOKEN": "jira-token",
        "SN_USER": "svc_dlscan",
        "SN_PASSWORD": "sn-password",
        "HOOK_SECRET": "hook-secret",
    }.items():
        monkeypatch.setenv(name, value)
    make_app, make_config = SYSTEMS[system]
    app = make_app()
    server = TicketServer(app)
    try:
        job = Job(tmp_path, dlscan, monkeypatch, make_config(server))
        # Night 1: every high or critical finding gets its ticket.
        assert job.night(1, night_files[0]).code == 0
        assert sorted(tickets_raised(app)) == sorted(at_least_high(expected[0]))
        # Night 2: the ticket system is down. Nothing is lost: the actions wait in the outbox.
        app.down = True
        second = job.night(2, night_files[1])
        assert second.code == 0, second.err
        assert "waiting in the outbox" in second.out
        assert sorted(tickets_raised(app)) == sorted(at_least_high(expected[0]))
        # Night 3: it is back. Night 2's tickets arrive, once each; resolved findings' tickets are closed.
        app.down = False
        third = job.night(3, night_files[2])
        assert third.code == 0, third.err
        raised = tickets_raised(app)
        # Night 2's new findings that night 3 still sees; one fixed before its ticket went out needs none.
        still_new = at_least_high(expected[1]).difference(expected[0]).intersection(expected[2])
        assert still_new
        assert sorted(raised) == sorted(at_least_high(expected[0]) | still_new)
        assert len(raised) == len(set(raised))
        resolved_with_ticket = (set(expected[0]) - set(expected[1]) | set(expected[1]) - set(expected[2])) & set(raised)
        assert resolved_with_ticket and tickets_resolved(app) == resolved_with_ticket
        # A fourth run on the same directory sends nothing at all.
        before = len(app.requests)
        assert job.night(3, night_files[2], when=NIGHTS[2] + datetime.timedelta(hours=1)).code == 0
        assert [r for r in app.requests[before:] if r[0] != "GET"] == []
        if isinstance(app, WebhookApp):
            assert app.bad_signatures == 0
    finally:
        server.close()
