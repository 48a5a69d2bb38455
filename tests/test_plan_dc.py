"""`dlscan plan --format ldif` against a real Active Directory: the sample council in a Samba AD DC.

The plan is applied as an admin would apply it, with `ldapmodify -c`; the DC is collected and scanned
again after each step, so what is checked is what the directory itself now holds.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import ldap3
import pytest
from ldap3.utils.conv import escape_filter_chars
from samba_dc import ADMIN_DN, ADMIN_PASSWORD, BASE_DN, TLS_NAME, SambaDC, samba_available

pytestmark = pytest.mark.skipif(
    not samba_available() and not os.environ.get("CI") and not os.environ.get("DLSCAN_REQUIRE_SERVICES"),
    reason="Samba is not installed (tests/run.sh installs it, and then requires it)",
)

ADDRESS = "127.0.0.3"
PLANNED = ("DL003", "DL013", "DL015", "DL010")
ODD_NAME = " Crew: <Odd> #1; $(whoami) `x` 'q'\u2019 \u00e9 "
"""A list name with LDIF's specials (leading space, colon, '<', trailing space), PowerShell's, and non-ASCII."""
ODD_DN = f"CN=Odd Crew,OU=Groups,{BASE_DN}"
EVENTS_DN = f"CN=Events Team,OU=Groups,{BASE_DN}"


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """A DC of its own, on 127.0.0.3, holding the sample council and one list with an awkward name."""
    from conftest import SAMPLE
    from ldif_to_dc import load_ldif

    controller = SambaDC(tmp_path_factory.mktemp("plan-dc"), address=ADDRESS)
    controller.provision()
    controller.start()
    try:
        controller.extend_schema()
        load_ldif(SAMPLE, ADDRESS)
        with _connection() as connection:
            connection.search(BASE_DN, "(mail=bookings@bramblecatering.co.uk)", attributes=["cn"])
            outsider = connection.entries[0].entry_dn
            attributes = {
                "displayName": ODD_NAME,
                "mail": "odd.crew@wyvern.gov.uk",
                "groupType": "8",
                "member": [outsider],
            }
            connection.add(ODD_DN, ["top", "group"], attributes)
        yield controller
    finally:
        controller.stop()


def _connection() -> ldap3.Connection:
    server = ldap3.Server(ADDRESS, get_info=ldap3.NONE)
    return ldap3.Connection(server, ADMIN_DN, ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True)


def _collect(dlscan, council: SambaDC, target: Path, monkeypatch) -> Path:
    monkeypatch.setenv("DLSCAN_TEST_PASSWORD", ADMIN_PASSWORD)
    outcome = dlscan(
        "collect", "ad", "--server", f"ldaps://{ADDRESS}", "--user", ADMIN_DN, "--password-env", "DLSCAN_TEST_PASSWORD",
        "--ca-file", council.ca_file, "--tls-name", TLS_NAME, "--output", target,
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    return target


def _findings(dlscan, snapshot: Path) -> dict[str, dict]:
    outcome = dlscan("scan", snapshot, "--format", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    return {f["finding_id"]: f for f in json.loads(outcome.out)["findings"]}


def _apply(plan: Path) -> subprocess.CompletedProcess:
    """As an admin applies a plan: ldapmodify, going on past a change that fails."""
    command = [
        "ldapmodify",
        "-c",
        "-x",
        "-H",
        f"ldap://{ADDRESS}",
        "-D",
        ADMIN_DN,
        "-w",
        ADMIN_PASSWORD,
        "-f",
        str(plan),
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _display_name(dn: str) -> str:
    with _connection() as connection:
        connection.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["displayName"])
        return connection.entries[0].entry_attributes_as_dict["displayName"][0]


def test_a_plan_applied_to_the_dc_resolves_what_it_plans_and_its_undo_brings_it_back(
    council, dlscan, tmp_path, monkeypatch
):
    before_snapshot = _collect(dlscan, council, tmp_path / "before.json.gz", monkeypatch)
    before = _findings(dlscan, before_snapshot)
    assert {code for code in PLANNED} <= {f["code"] for f in before.values()}
    plan = tmp_path / "plan.ldif"
    owner = "gareth.price@wyvern.gov.uk"
    outcome = dlscan(
        "plan", before_snapshot, "--format", "ldif", "--only", ",".join(PLANNED), "--owner", owner, "-o", plan
    )
    assert outcome.code == 0, outcome.err
    lines = plan.read_text(encoding="utf-8").splitlines()
    planned = {line.split()[1] for line in lines if line.startswith("#   DL")}
    by_hand = {line.split()[3].rstrip(",") for line in lines if line.startswith("# By hand")}
    assert planned and planned == {i for i, f in before.items() if f["code"] in PLANNED} - by_hand

    applied = _apply(plan)
    assert applied.returncode == 0, applied.stderr
    after = _findings(dlscan, _collect(dlscan, council, tmp_path / "after.json.gz", monkeypatch))
    assert not planned & set(after), "a planned finding is still there"
    assert set(after) <= set(before), "applying the plan raised a finding that was not there"
    # The awkward name went in as it was planned, byte for byte.
    assert _display_name(ODD_DN) == ODD_NAME + " (EXT)"

    # The same plan again finds none of the values it expects, and changes nothing.
    again = _apply(plan)
    assert again.returncode != 0
    unchanged = _findings(dlscan, _collect(dlscan, council, tmp_path / "again.json.gz", monkeypatch))
    assert _contents(unchanged) == _contents(after)

    undone = _apply(tmp_path / "plan.undo.ldif")
    assert undone.returncode == 0, undone.stderr
    back = _findings(dlscan, _collect(dlscan, council, tmp_path / "back.json.gz", monkeypatch))
    assert _contents(back) == _contents(before)
    assert _display_name(ODD_DN) == ODD_NAME

    # Someone renames a list after the scan: the plan's rename of it, and its undo, leave their name alone.
    _set_display_name(EVENTS_DN, "Events Crew")
    _apply(plan)
    assert _display_name(EVENTS_DN) == "Events Crew"
    _apply(tmp_path / "plan.undo.ldif")
    assert _display_name(EVENTS_DN) == "Events Crew"
    _set_display_name(EVENTS_DN, "Events Team")


def test_a_hiding_plan_lowers_the_confusable_pairs_it_plans_and_its_undo_shows_them_again(
    council, dlscan, tmp_path, monkeypatch
):
    before_snapshot = _collect(dlscan, council, tmp_path / "before.json.gz", monkeypatch)
    before = _findings(dlscan, before_snapshot)
    plan = tmp_path / "hide.ldif"
    outcome = dlscan("plan", before_snapshot, "--format", "ldif", "--only", "DL005", "--hide-confusable", "-o", plan)
    assert outcome.code == 0, outcome.err
    text = plan.read_text(encoding="utf-8")
    planned = {line.split()[1] for line in text.splitlines() if line.startswith("#   DL005")}
    hidden = [before[i]["list"] for i in planned]
    assert text.count("add: msExchHideFromAddressLists\nmsExchHideFromAddressLists: TRUE") == len(planned) >= 2
    # A pair alike by address is reached by typing it, hidden or not: left to people.
    assert "# By hand" in text and "Supplier Remittances" in text

    applied = _apply(plan)
    assert applied.returncode == 0, applied.stderr
    after = _findings(dlscan, _collect(dlscan, council, tmp_path / "after.json.gz", monkeypatch))
    # Hidden, each twin is left to autocomplete's memory of those who mailed it: the pair stays, at low.
    assert planned and all(after[i]["severity"] == "low" for i in planned), "a hidden twin kept its severity"
    assert all("is hidden from the address book" in after[i]["detail"] for i in planned)
    assert set(after) <= set(before), "hiding a list raised a finding that was not there"
    unplanned = set(after) - planned
    assert {i: _contents(after)[i] for i in unplanned} == {i: _contents(before)[i] for i in unplanned}
    assert all(_flag(name) == "TRUE" for name in hidden)

    again = _apply(plan)  # the flag is there now: adding it fails, and nothing changes
    assert again.returncode != 0
    undone = _apply(tmp_path / "hide.undo.ldif")
    assert undone.returncode == 0, undone.stderr
    back = _findings(dlscan, _collect(dlscan, council, tmp_path / "back.json.gz", monkeypatch))
    assert _contents(back) == _contents(before)
    assert all(_flag(name) is None for name in hidden)


def _flag(name: str) -> str | None:
    """The list's msExchHideFromAddressLists as the DC holds it, found by its display name."""
    with _connection() as connection:
        query = f"(displayName={escape_filter_chars(name)})"
        connection.search(BASE_DN, query, attributes=["msExchHideFromAddressLists"])
        values = connection.entries[0].entry_attributes_as_dict.get("msExchHideFromAddressLists") or [None]
        return values[0] if values[0] is None else str(values[0]).upper()


def _set_display_name(dn: str, name: str) -> None:
    with _connection() as connection:
        connection.modify(dn, {"displayName": [(ldap3.MODIFY_REPLACE, [name])]})


def _contents(found: dict[str, dict]) -> dict[str, tuple]:
    return {i: (f["code"], f["severity"], f["list"], f["detail"]) for i, f in found.items()}
