"""Evidence paths and trusted partners, as dlscan/checks/context.py gives them: each list its own nesting
path to every outsider, and the partner that accounts for them all."""

from __future__ import annotations

import yaml
from casefile import case_snapshot

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan


def test_each_list_names_the_nesting_path_to_its_outsider():
    """The evidence of DL001, DL002 and DL003 names the whole chain from the finding's own list down to the
    recipient, for the list that holds it and for the lists that nest it (each list its own path)."""
    snapshot = case_snapshot(
        {
            "users": [{"id": "alice"}, {"id": "bob"}],
            "contacts": [{"id": "pat", "address": "pat@partner.example"}],
            "lists": [
                {"id": "all", "name": "Planning All", "members": ["alice", "mid"]},
                {"id": "mid", "name": "Planning Agents Group", "members": ["bob", "agents"]},
                {"id": "agents", "name": "Planning Agents", "members": ["pat", "alice"]},
            ],
        }
    )
    chains = {
        "Planning Agents": ("Planning Agents",),
        "Planning Agents Group": ("Planning Agents Group", "Planning Agents"),
        "Planning All": ("Planning All", "Planning Agents Group", "Planning Agents"),
    }
    found = {
        (f.code, f.list): [(e.subject, e.path) for e in f.evidence]
        for f in run_scan(snapshot, [], load_rule_pack(rule_specs())).findings
        if f.code in ("DL001", "DL002", "DL003")
    }
    assert found == {
        **{
            ("DL001", name): [("pat@partner.example", (*chain, "pat@partner.example"))]
            for name, chain in chains.items()
        },
        **{
            ("DL003", name): [("pat@partner.example", (*chain, "pat@partner.example"))]
            for name, chain in chains.items()
        },
        **{
            ("DL002", name): [("pat@partner.example", (*chains[name], "pat@partner.example"))]
            for name in ("Planning Agents Group", "Planning All")
        },
    }


def test_a_filter_outsider_the_members_do_not_hold_has_no_path():
    snapshot = case_snapshot(
        {
            "users": [{"id": "alice"}],
            "contacts": [{"id": "bob", "address": "bob@partner.example"}],
            "lists": [
                {
                    "id": "all",
                    "name": "All Staff",
                    "members": ["alice"],
                    "rule": "(objectClass=contact)",
                    "admitted": [{"clause": "(objectClass=contact)", "members": ["bob"]}],
                },
            ],
        }
    )
    (finding,) = [f for f in run_scan(snapshot, [], load_rule_pack(rule_specs())).findings if f.code == "DL021"]
    assert [(e.subject, e.path) for e in finding.evidence] == [("bob@partner.example", ())]


def _partner_scan(tmp_path, partners, members):
    overlay = tmp_path / "pack.yaml"
    overlay.write_text(yaml.safe_dump({"boundary": {"partners": partners}}), encoding="utf-8")
    snapshot = case_snapshot(
        {
            "users": [{"id": "alice"}],
            "contacts": [{"id": "pc", "address": "pc@police.example"}, {"id": "dr", "address": "dr@nhs.example"}],
            "lists": [{"id": "sg", "name": "Adult Safeguarding", "members": ["alice", *members]}],
        }
    )
    return [f for f in run_scan(snapshot, [], load_rule_pack(rule_specs(), overlay)).findings if f.code == "DL001"]


def test_a_partner_that_does_not_cover_the_list_leaves_its_outsider_untrusted(tmp_path):
    """Every outsider belongs to a declared partner, but one of the partners is not declared for this list:
    the list is not a trusted partner's, and keeps its full severity."""
    partners = [
        {
            "name": "Safeguarding hub",
            "reason": "joint MASH agreement",
            "domains": ["police.example"],
            "lists": ["*safeguarding*"],
        },
        {"name": "Discharge team", "reason": "joint discharge", "domains": ["nhs.example"], "lists": ["*discharge*"]},
    ]
    (finding,) = _partner_scan(tmp_path, partners, ["pc", "dr"])
    assert finding.severity.value == "high"
    assert "trusted partner" not in finding.detail


def test_of_two_trusted_partners_the_one_whose_findings_weigh_most_sets_the_severity(tmp_path):
    partners = [
        {
            "name": "Safeguarding hub",
            "reason": "joint MASH agreement",
            "domains": ["police.example"],
            "severity": "low",
        },
        {"name": "Health partner", "reason": "shared care", "domains": ["nhs.example"], "severity": "medium"},
    ]
    (finding,) = _partner_scan(tmp_path, partners, ["pc", "dr"])
    assert finding.severity.value == "medium"
    assert "trusted partner 'Health partner'" in finding.detail
