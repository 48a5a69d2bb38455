"""`dlscan run` over three nights: history, new/open/resolved, tickets through an outage, no duplicates."""

from __future__ import annotations

import contextlib
import datetime
import json
import sqlite3
from functools import partial
from pathlib import Path

import pytest
from conftest import SAMPLE
from nights import findings_of
from ticket_servers import JiraApp, ServiceNowApp, TicketServer, WebhookApp, basic

from dlscan.findings import Severity
from dlscan.operations.history.lock import RunLock
from dlscan.operations.history.schema import MIGRATIONS
from dlscan.operations.history.store import HistoryStore
from dlscan.operations.nightly import NightlyOptions

NIGHTS = [datetime.datetime(2026, 11, day, 2, 0, tzinfo=datetime.UTC) for day in (20, 21, 22)]




REVIEWED_CHANGES = [
    # night 2: Events Team's caterer taken off; an outside contact added to Revenues Team.
    ({("DL001", "medium", "Events Team"), ("DL003", "high", "Events Team")},
     {("DL001", "medium", "Revenues Team"), ("DL003", "high", "Revenues Team")}),
    # night 3: Housing Tenancy Forum's outside members taken off.
    ({("DL001", "high", "Housing Tenancy Forum"), ("DL003", "critical", "Housing Tenancy Forum")}, set()),
]
"""What each night changes, as a person reads three_nights: findings gone and findings new, by (code,
severity, list)."""


def test_the_nights_expected_findings_are_the_reviewed_ones(expected):
    """The nightly tests take their expectations from plain scans of the three nights; those scans are held
    here to what people reviewed: night 1 is the sample's reviewed list, nights 2 and 3 change what
    REVIEWED_CHANGES says and nothing else, and no finding keeps its id while changing what it says."""
    import csv

    def key(finding):
        return finding.code, finding.severity.value, finding.list

    reviewed = Path(__file__).parent / "golden" / "wyvern_reviewed.csv"
    with reviewed.open(encoding="utf-8", newline="") as stream:
        night_one = sorted((r["code"], r["severity"], r["list"], r["related"]) for r in csv.DictReader(stream))
    assert sorted((*key(f), f.related) for f in expected[0].values()) == night_one
    for (gone, new), before, after in zip(REVIEWED_CHANGES, expected[:-1], expected[1:], strict=True):
        assert {key(before[k]) for k in set(before) - set(after)} == gone
        assert {key(after[k]) for k in set(after) - set(before)} == new
        assert all(before[k] == after[k] for k in set(before) & set(after))


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
            "dlscan.operations.nightly.NightlyOptions",
            partial(NightlyOptions, clock=lambda: clock, retry_time_scale=0.0),
        )
        return self.dlscan("run", "--config", config, "--fail-on", "never", *args)

    def statuses(self) -> dict[str, set[str]]:
        rows = json.loads((self.folder / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
        found: dict[str, set[str]] = {"new": set(), "open": set(), "resolved": set()}
        for row in rows:
            found.setdefault(row["status"], set()).add(row["finding_id"])
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


@contextlib.contextmanager
def served(system: str):
    """A ticket system of SYSTEMS on loopback: (its app, the job's [tickets] config)."""
    make_app, make_config = SYSTEMS[system]
    app = make_app()
    server = TicketServer(app)
    try:
        yield app, make_config(server)
    finally:
        server.close()


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
    ticket_env(monkeypatch)
    with served(system) as (app, config):
        job = Job(tmp_path, dlscan, monkeypatch, config)
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


def ticket_env(monkeypatch):
    for name, value in {
        "JIRA_USER": "dlscan@wyvern.gov.uk",
        "JIRA_TOKEN": "jira-token",
        "SN_USER": "svc_dlscan",
        "SN_PASSWORD": "sn-password",
        "HOOK_SECRET": "hook-secret",
    }.items():
        monkeypatch.setenv(name, value)


def open_tickets(app, finding_id: str) -> list[dict]:
    """The tickets of one finding that are open in the system (for a webhook: its deliveries)."""
    if isinstance(app, JiraApp):
        label = f"dlscan-{finding_id}"
        return [i for i in app.issues.values() if label in i["fields"]["labels"] and i["status"] != "Done"]
    if isinstance(app, ServiceNowApp):
        return [r for r in app.records.values() if r["correlation_id"] == finding_id and r["state"] != "6"]
    return [d for d in app.deliveries if finding_id in d["key"] or finding_id in str(d["body"].get("ticket", ""))]


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_a_finding_that_comes_back_is_reopened_on_its_ticket(
    system, night_files, expected, tmp_path, dlscan, monkeypatch
):
    """Events Team's DL003 is fixed on night 2 and back on night 3: reported as reopened, on the same ticket."""
    ticket_env(monkeypatch)
    back = next(f for f in expected[0].values() if f.code == "DL003" and f.list == "Events Team")
    assert back.finding_id not in expected[1]
    with served(system) as (app, config):
        job = Job(tmp_path, dlscan, monkeypatch, config)
        assert job.night(1, night_files[0]).code == 0
        assert job.night(2, night_files[1]).code == 0
        assert back.finding_id in job.statuses()["resolved"]
        third = job.night(3, night_files[0])
        assert third.code == 0, third.err
        assert back.finding_id in job.statuses()["reopened"]
        assert "reopened:" in third.out and back.finding_id in third.out.split("reopened:", 1)[1]
        rows = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
        row = next(r for r in rows if r["finding_id"] == back.finding_id)
        assert row["first_seen"] == NIGHTS[2].isoformat(timespec="seconds")  # its present spell began tonight
        assert tickets_raised(app).count(back.finding_id) == 1  # the same ticket, not a second one
        later = job.night(3, night_files[0], when=NIGHTS[2] + datetime.timedelta(hours=1))
        assert later.code == 0 and back.finding_id in job.statuses()["open"]
        rows = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
        assert next(r for r in rows if r["finding_id"] == back.finding_id)["first_seen"] == row["first_seen"]
        if isinstance(app, JiraApp):
            (issue,) = open_tickets(app, back.finding_id)
            assert issue["status"] == "To Do" and "finds this again" in str(issue["comments"][-1])
        elif isinstance(app, ServiceNowApp):
            (incident,) = open_tickets(app, back.finding_id)
            assert incident["state"] == "2" and "finds this again" in incident["work_notes_log"][-1]
        else:
            events = [d["body"] for d in app.deliveries if d["body"]["event"] == "dlscan.finding.reopened"]
            assert [e["ticket"] for e in events] == [f"webhook:{back.finding_id}"]
            assert events[0]["reopen"] is False  # on_resolve = "comment": the ticket was never closed
        # Fixed again on night 4: its ticket is resolved once more, once.
        fourth = job.night(4, night_files[1], when=NIGHTS[2] + datetime.timedelta(days=1))
        assert fourth.code == 0 and back.finding_id in job.statuses()["resolved"]
        assert back.finding_id in tickets_resolved(app)
        assert not open_tickets(app, back.finding_id) or isinstance(app, WebhookApp)
        if isinstance(app, WebhookApp):
            resolutions = [d for d in app.deliveries if d["body"]["event"] == "dlscan.finding.resolved"
                           and d["body"]["ticket"] == f"webhook:{back.finding_id}"]  # fmt: skip
            assert len(resolutions) == 2 and len({d["key"] for d in resolutions}) == 2


def test_a_jira_issue_that_cannot_be_reopened_is_followed_by_a_linked_one(
    night_files, expected, tmp_path, dlscan, monkeypatch
):
    ticket_env(monkeypatch)
    back = next(f for f in expected[0].values() if f.code == "DL003" and f.list == "Events Team")
    app = JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token"), reopen_transitions={})
    server = TicketServer(app)
    try:
        job = Job(tmp_path, dlscan, monkeypatch, jira_config(server))
        for night, source in ((1, night_files[0]), (2, night_files[1]), (3, night_files[0])):
            outcome = job.night(night, source)
            assert outcome.code == 0, outcome.err
        (old,) = [k for k, i in app.issues.items() if f"dlscan-{back.finding_id}" in i["fields"]["labels"]
                  and i["status"] == "Done"]  # fmt: skip
        (new,) = open_tickets(app, back.finding_id)
        assert new["links"] == [("Relates", old)] and old in new["fields"]["description"]
        with HistoryStore(job.state / "history.sqlite") as store:
            assert store.ticket(back.finding_id).ticket != old
    finally:
        server.close()


def jira_env(monkeypatch):
    monkeypatch.setenv("JIRA_USER", "dlscan@wyvern.gov.uk")
    monkeypatch.setenv("JIRA_TOKEN", "jira-token")


def test_lost_answer_to_a_create_never_gives_a_second_ticket(night_files, expected, tmp_path, dlscan, monkeypatch):
    jira_env(monkeypatch)
    app = JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token"), lose_next_create=True)
    server = TicketServer(app)
    try:
        job = Job(tmp_path, dlscan, monkeypatch, jira_config(server))
        first = job.night(1, night_files[0])
        assert first.code == 0 and "waiting in the outbox" in first.out
        # The create was carried out but its answer lost: it failed with no HTTP status at all.
        assert "POST /rest/api/2/issue: " in first.err and "POST /rest/api/2/issue: HTTP" not in first.err
        assert job.night(2, night_files[0], when=NIGHTS[1]).code == 0
        raised = tickets_raised(app)
        assert sorted(raised) == sorted(at_least_high(expected[0]))
        assert len(raised) == len(set(raised))
    finally:
        server.close()


def test_failed_collection_resolves_nothing_and_is_recorded(night_files, expected, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    assert job.night(1, night_files[0]).code == 0
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "dlscan-snapshot", "format_version": 1, "recip', encoding="utf-8")
    outputs = (tmp_path / "out" / "findings.json").read_bytes()
    failed = job.night(2, broken)
    assert failed.code == 2
    assert "no finding was resolved" in failed.err
    assert failed.err.count("not valid JSON") == 1, failed.err  # logged once, not printed again
    assert (tmp_path / "out" / "findings.json").read_bytes() == outputs
    with HistoryStore(job.state / "history.sqlite") as store:
        assert [r["outcome"] for r in store.runs()] == ["ok", "failed"]
        assert set(store.findings(open_only=True)) == set(expected[0])
    # The next good night compares with the last good one.
    assert job.night(3, night_files[1]).code == 0
    assert job.statuses()["resolved"] == set(expected[0]) - set(expected[1])


def test_rules_a_source_cannot_evaluate_keep_their_findings_open(night_files, tmp_path, dlscan, monkeypatch):
    import dataclasses

    import msgspec

    from dlscan.sources import load_source
    from dlscan.sources.snapshot import write_snapshot

    job = Job(tmp_path, dlscan, monkeypatch)
    assert job.night(1, night_files[0]).code == 0
    opened = {fp for fp in job.statuses()["new"] if fp.startswith("DL009")}
    assert opened
    blind = load_source(night_files[0])
    blind = dataclasses.replace(
        blind,
        lists={k: msgspec.structs.replace(g, accepts_external_senders=None) for k, g in blind.lists.items()},
        notes=("DL009: this source does not say whether lists accept outside senders.",),
    )
    write_snapshot(blind, tmp_path / "blind.json")
    outcome = job.night(2, tmp_path / "blind.json")
    assert outcome.code == 0
    assert not job.statuses()["resolved"]
    assert "carried open" in outcome.out
    with HistoryStore(job.state / "history.sqlite") as store:
        assert opened <= set(store.findings(open_only=True))


def test_a_fixed_finding_resolves_while_another_list_of_its_rule_is_unknown(night_files, tmp_path, dlscan, monkeypatch):
    """Coverage is per object: one list whose owners the source does not give keeps its own DL013 open,
    and a DL013 fixed elsewhere is still resolved (a rule named in a note once kept every one open)."""
    import dataclasses

    import msgspec

    from dlscan.sources import load_source
    from dlscan.sources.snapshot import write_snapshot

    job = Job(tmp_path, dlscan, monkeypatch)
    assert job.night(1, night_files[0]).code == 0
    snapshot = load_source(night_files[0])
    ownerless = sorted(
        (f for f in findings_of(night_files[0]).values() if f.code == "DL013"), key=lambda f: f.finding_id
    )
    fixed, unknown = ownerless[0], ownerless[1]
    owned = (g for g in snapshot.lists.values() if g.owners and g.id not in {fixed.list_id, unknown.list_id})
    owner = next(g.owners[0] for g in owned if snapshot.recipients[g.owners[0]].enabled is not False)
    lists = dict(snapshot.lists)
    lists[fixed.list_id] = msgspec.structs.replace(lists[fixed.list_id], owners=(owner,))
    lists[unknown.list_id] = msgspec.structs.replace(lists[unknown.list_id], owners=None)
    write_snapshot(dataclasses.replace(snapshot, lists=lists), tmp_path / "night2.json")
    outcome = job.night(2, tmp_path / "night2.json")
    assert outcome.code == 0, outcome.err
    statuses = job.statuses()
    assert fixed.finding_id in statuses["resolved"]
    assert unknown.finding_id not in statuses["resolved"] | statuses["open"] | statuses["new"]
    with HistoryStore(job.state / "history.sqlite") as store:
        still_open = set(store.findings(open_only=True))
    assert unknown.finding_id in still_open and fixed.finding_id not in still_open


def write_suppressions(path: Path, entries: list[dict]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"suppressions": entries}, sort_keys=False), encoding="utf-8")
    return path


def test_suppressions_mark_expire_and_go_stale(night_files, expected, tmp_path, dlscan, monkeypatch):
    target = next(f for f in expected[0].values() if f.code == "DL003")
    other = next(f for f in expected[0].values() if f.code == "DL001")
    accepted = write_suppressions(
        tmp_path / "accepted.yaml",
        [
            {
                "rule": "DL003",
                "list": target.list_address,
                "reason": "Partner forum, agreed with the DPO",
                "accepted_by": "J. Smith (DPO)",
                "expires": "2026-12-31",
            },
            {
                "rule": other.code,
                "name": other.list.lower()[:6] + "*",
                "reason": "Accepted until the split",
                "accepted_by": "IT Security",
                "expires": "2026-11-20",
            },
            {"rule": "DL010", "list": "No Such List", "reason": "Old", "accepted_by": "IT", "expires": "2027-01-01"},
        ],
    )
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    outcome = job.night(1, night_files[0], when=datetime.datetime(2026, 11, 21, 2, 0, tzinfo=datetime.UTC))
    assert outcome.code == 0, outcome.err
    shown = job.statuses()["new"]
    assert target.finding_id not in shown  # suppressed: marked, hidden by default
    assert other.finding_id in shown  # its acceptance expired yesterday: active again, and said so
    assert "expired accepted risk" in outcome.out and "IT Security" in outcome.out
    assert "; 1 finding is active again" in outcome.out and "finding(s)" not in outcome.out + outcome.err
    assert "stale accepted risk" in outcome.out and "No Such List" in outcome.out
    everything = job.night(
        1, night_files[0], "--show-suppressed", when=datetime.datetime(2026, 11, 21, 3, 0, tzinfo=datetime.UTC)
    )
    assert everything.code == 0
    rows = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
    marked = {r["finding_id"]: r["suppressed_by"] for r in rows}
    assert "J. Smith (DPO)" in marked[target.finding_id]


def test_bad_suppression_file_names_the_line(night_files, tmp_path, dlscan, monkeypatch):
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        "suppressions:\n  - rule: DL001\n    list: X\n    accepted_by: me\n    expires: 2027-01-01\n", encoding="utf-8"
    )
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    outcome = job.night(1, night_files[0])
    assert outcome.code == 2
    assert "accepted.yaml:2" in outcome.err and "reason" in outcome.err


@pytest.mark.parametrize(
    ("rule", "target", "line", "expected"),
    [
        ("DL03", "list: X", 2, "unknown rule 'DL03'"),
        ("DL999", "list: X", 2, "unknown rule 'DL999'"),
        ("no-owner", "list: X", 2, "unknown rule 'no-owner'"),
        ("DL003", "finding: DL006-3f9a0c12de45", 3, "finding 'DL006-3f9a0c12de45' is not a DL003 finding"),
        ("DL003", "list: [a@corp.example, b@corp.example]", 3, "list: names one list by its id, not a list or mapping"),
    ],
    ids=["DL03", "DL999", "a slug", "another rule's finding", "a list of lists"],
)
def test_an_accepted_risk_that_could_never_match_is_refused_with_its_line(
    night_files, tmp_path, dlscan, monkeypatch, rule, target, line, expected
):
    """An unknown rule, another rule's finding id, a list of lists: each entry could only ever go stale."""
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        f"suppressions:\n  - rule: {rule}\n    {target}\n    reason: r\n    accepted_by: me\n    expires: 2027-01-01\n",
        encoding="utf-8",
    )
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    outcome = job.night(1, night_files[0])
    assert outcome.code == 2
    assert f"accepted.yaml:{line}" in outcome.err and expected in outcome.err, outcome.err


def test_a_second_run_is_refused_while_the_first_holds_the_lock(night_files, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    job.state.mkdir()
    with RunLock(job.state):
        outcome = job.night(1, night_files[0])
    assert outcome.code == 2
    assert "holds the lock" in outcome.err and "process" in outcome.err
    assert job.night(1, night_files[0]).code == 0


def test_damaged_history_is_an_error_and_is_kept(night_files, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    job.state.mkdir()
    damaged = job.state / "history.sqlite"
    damaged.write_bytes(b"this is not SQLite, but someone's data" * 100)
    before = damaged.read_bytes()
    outcome = job.night(1, night_files[0])
    assert outcome.code == 2
    assert "not a dlscan history database" in outcome.err and len(outcome.err.strip().splitlines()) == 1
    assert damaged.read_bytes() == before
    assert not (tmp_path / "out" / "findings.json").exists()


def test_history_of_schema_1_is_migrated_with_a_backup(tmp_path, expected):
    path = tmp_path / "history.sqlite"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    old.execute(
        "INSERT INTO findings VALUES ('DL001-x', 'DL001', 'high', 'L', '2026-01-01', '2026-01-02', NULL, ?)",
        (
            json.dumps(
                {
                    "code": "DL001",
                    "rule": "r",
                    "severity": "high",
                    "list": "L",
                    "list_address": "",
                    "list_id": "1",
                    "related": "",
                    "key": "",
                    "detail": "d",
                    "path": [],
                    "remediation": "",
                    "rationale": "",
                    "identity": None,
                }
            ),
        ),
    )
    old.commit()
    old.close()
    with HistoryStore(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.findings()["DL001-x"].first_seen == "2026-01-01"
        assert store.outbox() == []
    assert (tmp_path / "history.sqlite.schema1.bak").exists()


def test_history_from_a_newer_dlscan_is_refused(tmp_path):
    path = tmp_path / "history.sqlite"
    newer = sqlite3.connect(path)
    newer.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    newer.close()
    with pytest.raises(Exception, match="newer dlscan"):
        HistoryStore(path)


def test_dry_run_writes_nothing_and_sends_nothing(night_files, tmp_path, dlscan, monkeypatch):
    jira_env(monkeypatch)
    app = JiraApp()
    server = TicketServer(app)
    try:
        job = Job(tmp_path, dlscan, monkeypatch, jira_config(server))
        outcome = job.night(1, night_files[0], "--dry-run")
        assert outcome.code == 0, outcome.err
        assert "would send:" in outcome.out and "create DL" in outcome.out
        assert not app.requests
        assert not (tmp_path / "out" / "findings.json").exists()
        assert not job.state.exists()
        # With a history, a dry run reads it and leaves it as it was.
        assert job.night(1, night_files[0]).code == 0
        before = (job.state / "history.sqlite").read_bytes()
        again = job.night(2, night_files[1], "--dry-run")
        assert "2 new, 48 open, 2 resolved" in again.out
        assert (job.state / "history.sqlite").read_bytes() == before
    finally:
        server.close()


def test_only_new_and_exit_codes(night_files, expected, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    assert job.night(1, night_files[0]).code == 0
    config = job.write_config(night_files[0])
    monkeypatch.setattr("dlscan.operations.nightly.NightlyOptions", partial(NightlyOptions, clock=lambda: NIGHTS[1]))
    # Nothing new on the same directory: --only-new exits 0 though critical findings are open.
    assert dlscan("run", "--config", config, "--only-new").code == 0
    assert dlscan("run", "--config", config).code == 1
    assert job.statuses() == {"new": set(), "open": set(expected[0]), "resolved": set()}
    config = job.write_config(night_files[1])
    outcome = dlscan("run", "--config", config, "--only-new")
    assert outcome.code == 1
    assert job.statuses() == {"new": set(expected[1]) - set(expected[0]), "open": set(), "resolved": set()}


def test_json_log_lines(night_files, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    outcome = job.night(1, night_files[0], "--log-format", "json")
    lines = [json.loads(line) for line in outcome.err.splitlines()]
    assert lines and all({"time", "level", "message"} <= set(line) for line in lines)
    assert any("findings:" in line["message"] for line in lines)
    failed = job.night(2, tmp_path / "missing.ldif", "--log-format", "json")
    assert failed.code == 2
    errors = [json.loads(line) for line in failed.err.splitlines()]
    assert errors[-1]["level"] == "error" and "missing.ldif" in errors[-1]["message"]


def test_ticket_credentials_come_from_the_environment_only(night_files, tmp_path, dlscan, monkeypatch):
    monkeypatch.delenv("JIRA_TOKEN", raising=False)
    server = TicketServer(JiraApp())
    try:
        job = Job(tmp_path, dlscan, monkeypatch, jira_config(server))
        outcome = job.night(1, night_files[0])
        assert outcome.code == 2 and "JIRA_TOKEN" in outcome.err
    finally:
        server.close()


def test_default_state_folder_follows_systemd_then_the_platform(monkeypatch, tmp_path):
    from dlscan.operations.history.paths import default_state_dir

    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "svc"))
    assert default_state_dir() == tmp_path / "svc"
    monkeypatch.delenv("STATE_DIRECTORY")
    assert default_state_dir().name == "dlscan"


def test_digest_mode_raises_one_ticket_per_run_and_honours_retry_after(
    night_files, expected, tmp_path, dlscan, monkeypatch
):
    jira_env(monkeypatch)
    app = JiraApp(expected_auth=basic("dlscan@wyvern.gov.uk", "jira-token"), throttle=2)
    server = TicketServer(app)
    try:
        job = Job(
            tmp_path,
            dlscan,
            monkeypatch,
            jira_config(server).replace('min_severity = "high"', 'min_severity = "high"\nmode = "digest"'),
        )
        assert job.night(1, night_files[0]).code == 0
        assert len(app.issues) == 1
        (issue,) = app.issues.values()
        assert issue["fields"]["summary"].startswith(f"[dlscan] {len(at_least_high(expected[0]))} new findings")
        assert all(fp in issue["fields"]["description"] for fp in at_least_high(expected[0]))
        assert job.night(2, night_files[1]).code == 0
        assert len(app.issues) == 2  # night 2's new high finding, in a digest of its own
        with HistoryStore(job.state / "history.sqlite") as store:
            assert all(store.ticket(fp) is not None for fp in at_least_high(expected[0]))
    finally:
        server.close()


def test_ticket_http_waits_as_retry_after_asks():
    from dlscan.operations.tickets.http import TicketHttp

    app = JiraApp(throttle=2)
    server = TicketServer(app)
    try:
        http = TicketHttp(server.url, retries=3, time_scale=0.0)
        assert http.request("GET", "/rest/api/2/search", params={"jql": 'labels = "x"'}).json() == {"issues": []}
        assert http.waits == [7.0, 7.0]
        app.throttle = 5
        with pytest.raises(Exception, match="429"):
            http.request("GET", "/rest/api/2/search", params={"jql": 'labels = "x"'})
        http.close()
    finally:
        server.close()


def test_the_first_night_makes_its_reports_folder(tmp_path, dlscan):
    config = tmp_path / "dlscan.toml"
    config.write_text(
        f'[run]\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\ncsv = "reports/nightly/findings.csv"\n',
        encoding="utf-8",
    )
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "reports" / "nightly" / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf\"finding_id\",")


def test_a_job_without_a_domain_controller_names_the_config_key(tmp_path, dlscan):
    config = tmp_path / "dlscan.toml"
    config.write_text('[run]\nsource = "ad"\nstate_dir = "state"\n[collect.ad]\nkerberos = true\n', encoding="utf-8")
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 2
    assert "servers in [collect.ad]" in outcome.err and outcome.err.count("error:") == 1, outcome.err


def _half_the_lists(source: Path, target: Path) -> Path:
    import dataclasses

    from dlscan.sources import load_source
    from dlscan.sources.snapshot import write_snapshot

    snapshot = load_source(source)
    kept = dict(sorted(snapshot.lists.items())[: len(snapshot.lists) // 2])
    lists = {k: msgspec_replace(g, members=tuple(m for m in g.members if m not in snapshot.lists or m in kept))
             for k, g in kept.items()}  # fmt: skip
    write_snapshot(dataclasses.replace(snapshot, lists=lists), target)
    return target


def msgspec_replace(struct, **changes):
    import msgspec

    return msgspec.structs.replace(struct, **changes)


def _ldif_cut_between_entries(target: Path) -> Path:
    """The sample export cut at the blank line after its 80th entry, as a copy that stopped early is."""
    entries = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    target.write_text("\n\n".join(entries[:80]) + "\n\n", encoding="utf-8")
    return target


@pytest.mark.parametrize("cut", ["half the lists gone", "LDIF cut between entries"])
def test_a_night_that_shrinks_sharply_resolves_nothing(cut, night_files, expected, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = "" if cut == "half the lists gone" else "[scan]\nallow_unresolved = true"
    assert job.night(1, night_files[0]).code == 0
    outputs = (tmp_path / "out" / "findings.json").read_bytes()
    smaller = (
        _half_the_lists(night_files[0], tmp_path / "half.json")
        if cut == "half the lists gone"
        else _ldif_cut_between_entries(tmp_path / "cut.ldif")
    )
    failed = job.night(2, smaller)
    assert failed.code == 2, failed.err
    assert "shrank by more than 25%" in failed.err and "no finding was resolved" in failed.err
    assert failed.err.count("error:") == 1
    assert (tmp_path / "out" / "findings.json").read_bytes() == outputs
    with HistoryStore(job.state / "history.sqlite") as store:
        assert [r["outcome"] for r in store.runs()] == ["ok", "failed"]
        assert set(store.findings(open_only=True)) == set(expected[0])
    # The admin says the change is real: now it resolves.
    accepted = job.night(2, smaller, "--accept-shrink")
    assert accepted.code == 0, accepted.err
    assert job.statuses()["resolved"]


def test_a_night_in_which_most_findings_would_resolve_resolves_nothing(night_files, tmp_path, dlscan, monkeypatch):
    pack = tmp_path / "fewer-rules.yaml"
    pack.write_text(
        "rules:\n" + "".join(f"  DL0{n:02d}:\n    enabled: false\n" for n in range(1, 16) if n != 9), encoding="utf-8"
    )
    job = Job(tmp_path, dlscan, monkeypatch)
    assert job.night(1, night_files[0]).code == 0
    job.extra_run = f'[scan]\nrules = "{pack.as_posix()}"'
    failed = job.night(2, night_files[0])
    assert failed.code == 2
    assert "open findings would resolve at once" in failed.err
    job.extra_run = f'max_resolved = 0.99\n[scan]\nrules = "{pack.as_posix()}"'
    assert job.night(2, night_files[0]).code == 0


def test_a_share_outside_zero_to_one_is_refused(night_files, tmp_path, dlscan, monkeypatch):
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = "max_shrink = 25"
    outcome = job.night(1, night_files[0])
    assert outcome.code == 2 and "max_shrink = 25.0 is not a share between 0 and 1" in outcome.err


def test_every_format_gives_the_same_counts_through_fixes_regressions_and_acceptances(
    night_files, expected, tmp_path, dlscan, monkeypatch
):
    """One set of counts: the run's line, the log, the JSON and the HTML say the same of each night, and
    the trend shows the nights apart (it once read 47 / 47 / 47 over fixes, regressions and acceptances)."""
    import re

    accepted_finding = next(f for f in expected[0].values() if f.code == "DL013")
    accepted = write_suppressions(tmp_path / "accepted.yaml", [{
        "rule": "DL013", "list": accepted_finding.list_id, "reason": "r", "accepted_by": "DPO", "expires": "2027-12-31",
    }])  # fmt: skip
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'html = "out/report.html"\nsuppressions = "{accepted.as_posix()}"'
    titles = []
    for night, source in ((1, night_files[0]), (2, night_files[1]), (3, night_files[0])):
        outcome = job.night(night, source, "--show-suppressed")
        assert outcome.code == 0, outcome.err
        document = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
        counts = document["run"]["counts"]
        statuses = ("new", "reopened", "open", "resolved")
        rows = {status: sum(r["status"] == status for r in document["findings"]) for status in statuses}
        suppressed = sum(bool(r["suppressed_by"]) for r in document["findings"])
        assert counts["suppressed"] == suppressed == 1
        for status in ("new", "reopened", "open"):
            assert counts[status] == rows[status] - sum(
                bool(r["suppressed_by"]) for r in document["findings"] if r["status"] == status
            )
        assert counts["resolved"] == rows["resolved"]
        found = counts["new"] + counts["reopened"] + counts["open"] + counts["suppressed"]
        assert found == document["summary"]["findings"]
        line = outcome.out.splitlines()[1]
        assert line.startswith(f"{counts['new']} new, ")
        assert f"{counts['open']} open, {counts['resolved']} resolved" in line
        assert f"; {counts['suppressed']} accepted risks" in line
        logged = re.search(r"findings: (\d+) new, (\d+) reopened, (\d+) open, (\d+) resolved, (\d+) suppressed, "
                           r"(\d+) carried", outcome.err)  # fmt: skip
        assert logged and [int(n) for n in logged.groups()] == list(counts.values())
        page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
        shown = re.search(r'<p id="run-counts">This run: (.*?)\.</p>', page).group(1)
        assert re.sub(r"<[^>]+>", "", shown) == ", ".join(f"{n} {name}" for name, n in counts.items())
        titles = re.findall(r"<rect[^>]*><title>([^<]+)</title>", page)
        # The overview's severity tiles count what needs attention: the active findings, as the counts do.
        tiles = [int(n) for n in re.findall(r'<li class="tile sev-\w+"[^>]*><span class="n">(\d+)</span>', page)]
        assert sum(tiles) == counts["new"] + counts["reopened"] + counts["open"]
    assert len(titles) == 3 and len(set(t.split(": ", 1)[1] for t in titles)) == 3
    assert "1 reopened" in titles[-1] or "2 reopened" in titles[-1]


def _contact_named(source: Path, target: Path, name: str, address: str) -> Path:
    """The night's directory with one more outside contact, named as the directory's users may name it,
    and put on the list 'Events Team'."""
    import dataclasses

    from dlscan.model import Recipient, RecipientKind
    from dlscan.sources import load_source
    from dlscan.sources.snapshot import write_snapshot

    snapshot = load_source(source)
    contact = Recipient(id="contact-impostor", kind=RecipientKind.CONTACT, display_name=name, primary_address=address)
    lists = dict(snapshot.lists)
    events = next(k for k, g in lists.items() if g.display_name == "Events Team")
    lists[events] = msgspec_replace(lists[events], members=(*lists[events].members, contact.id))
    write_snapshot(
        dataclasses.replace(snapshot, recipients={**snapshot.recipients, contact.id: contact}, lists=lists), target
    )
    return target


def test_accepted_risks_match_by_identity_and_a_name_pattern_is_marked(
    night_files, expected, tmp_path, dlscan, monkeypatch
):
    """An acceptance by list id stays on that list; one by name is marked every night, and says when it
    starts to cover an object it did not cover before (a contact named to match)."""
    events = next(f for f in expected[0].values() if f.code == "DL003" and f.list == "Events Team")
    accepted = write_suppressions(tmp_path / "accepted.yaml", [
        {"rule": "DL003", "list": events.list_id, "reason": "r", "accepted_by": "DPO", "expires": "2027-12-31"},
        {"rule": "DL006", "name": "events*", "reason": "r", "accepted_by": "IT", "expires": "2027-12-31"},
        {"rule": "*", "list": "Events Team", "reason": "a name under list:", "accepted_by": "IT",
         "expires": "2027-12-31"},
    ])  # fmt: skip
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    first = job.night(1, night_files[0], "--show-suppressed")
    assert first.code == 0, first.err
    rows = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert {r["finding_id"] for r in rows if r["suppressed_by"]} == {events.finding_id}
    assert "accepted risk by name pattern" in first.err and "names matching 'events*'" in first.err
    assert "stale accepted risk" in first.out and "list 'Events Team'" in first.out  # a name is not an id
    # Someone adds a contact named like the list: the pattern now covers it, and the night says so.
    impostor = _contact_named(night_files[0], tmp_path / "impostor.json", "Events Team", "events@caterer.example")
    second = job.night(2, impostor, "--show-suppressed")
    assert second.code == 0, second.err
    assert "now also covers contact-impostor" in second.err


def test_a_pattern_under_list_is_refused_with_the_way_to_write_it(night_files, tmp_path, dlscan, monkeypatch):
    accepted = write_suppressions(tmp_path / "accepted.yaml", [
        {"rule": "DL001", "list": "Ward *", "reason": "r", "accepted_by": "IT", "expires": "2027-12-31"},
    ])  # fmt: skip
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    outcome = job.night(1, night_files[0])
    assert outcome.code == 2 and "accepted.yaml:" in outcome.err and "goes under 'name:'" in outcome.err


def test_an_accepted_risk_by_finding_id_covers_that_finding_only(night_files, expected, tmp_path, dlscan, monkeypatch):
    chosen = next(f for f in expected[0].values() if f.code == "DL001")
    accepted = write_suppressions(tmp_path / "accepted.yaml", [
        {"rule": "*", "finding": chosen.finding_id, "reason": "r", "accepted_by": "IT", "expires": "2027-12-31"},
    ])  # fmt: skip
    job = Job(tmp_path, dlscan, monkeypatch)
    job.extra_run = f'suppressions = "{accepted.as_posix()}"'
    assert job.night(1, night_files[0], "--show-suppressed").code == 0
    rows = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert {r["finding_id"] for r in rows if r["suppressed_by"]} == {chosen.finding_id}
