"""Rule cases as data: a compact directory description turned into a real dlscan snapshot.

A case file (tests/rule_cases/DLnnn.yaml) holds `rule` and `cases`; each case has a `directory` and
`expect`, the findings of that rule: a list of {list: id, severity?, related?, detail?}. `[]` means
the rule must stay silent. A case's own `pack` (e.g. a `boundary`) replaces the file's. In `directory`:

  domains:  internal domains (default [council.example])
  source:   the source kind (default test; m365 makes member users internal whatever their domain)
  users:    {id, address?, name?, enabled?, guest?, company?, department?, dn?}
            address defaults to <id>@council.example
  contacts: {id, address, name?, target?, company?, dn?}
  principals / objects / unresolveds: {id}
  lists:    {id, name?, address?, members: [ids], owners?: [ids] | null, open?: bool|null,
             mail?: bool, hidden?: bool, members_known?: bool, rule?: text, paused?: bool|null,
             synced?: bool, team?: bool, alias?: text, kind?: text,
             admitted?: [{clause, members: [ids]}], gap?: {clause, reason}}  owners default to the first user
            (`rule` is a dynamic list's membership rule, `paused` whether it is paused; `admitted` makes an
            Exchange dynamic list, with the members its filter let in by each clause)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dlscan.sources.snapshot import FORMAT_NAME, FORMAT_VERSION, snapshot_from_document

DEFAULT_DOMAIN = "council.example"
CASES = Path(__file__).parent / "rule_cases"


def load_cases() -> list[tuple[str, str, dict]]:
    """(rule, case name, case); a file's optional `pack` (a rule pack overlay) is copied into each case."""
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            found.append((document["rule"], case["name"], {**case, "pack": case.get("pack", document.get("pack"))}))
    return found


def case_snapshot(directory: dict[str, Any]):
    domain = (directory.get("domains") or [DEFAULT_DOMAIN])[0]
    users = directory.get("users", [])
    recipients = []
    for user in users:
        address = user.get("address", f"{user['id']}@{domain}")
        recipients.append(
            {
                "id": user["id"],
                "kind": "user",
                "display_name": user.get("name", user["id"]),
                "primary_address": address,
                "addresses": [address],
                "enabled": user.get("enabled", True),
                "guest": user.get("guest", False),
                **_extras(user),
            }
        )
    for contact in directory.get("contacts", []):
        recipients.append(
            {
                "id": contact["id"],
                "kind": "contact",
                "display_name": contact.get("name", contact["id"]),
                "primary_address": contact["address"],
                "addresses": [contact["address"]],
                "target_address": contact.get("target", contact["address"]),
                **_extras(contact),
            }
        )
    for kind in ("principal", "object", "unresolved"):
        for other in directory.get(kind + "s", []):
            recipients.append({"id": other["id"], "kind": kind, "display_name": other["id"]})
    default_owner = [users[0]["id"]] if users else []
    lists = []
    for item in directory.get("lists", []):
        mail = item.get("mail", True)
        address = item.get("address", f"{item['id']}@{domain}") if mail else None
        lists.append(
            {
                "id": item["id"],
                "display_name": item.get("name", item["id"]),
                "primary_address": address,
                "addresses": item.get("addresses", [address] if address else []),
                "mail_enabled": mail,
                "members": item.get("members", []),
                "owners": item.get("owners", default_owner),
                "accepts_external_senders": item.get("open", False),
                "hidden_from_address_book": item.get("hidden", False),
                "members_known": item.get("members_known", True),
                "membership_rule": item.get("rule"),
                "membership_rule_paused": item.get("paused", False if "rule" in item else None),
                "synced_from_premises": item.get("synced"),
                "team": item.get("team"),
                "alias": item.get("alias"),
                "kind": "dynamic" if "admitted" in item or "gap" in item else item.get("kind", "distribution"),
                "admitted_by": item.get("admitted", []),
                "filter_gap": item.get("gap"),
            }
        )
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "source": {"kind": directory.get("source", "test"), "name": "case"},
        "internal_domains": [
            {"name": d, "origin": "test case", "include_subdomains": False}
            for d in directory.get("domains") or [DEFAULT_DOMAIN]
        ],
        "recipients": recipients,
        "lists": lists,
    }
    return snapshot_from_document(document, "case")


def _extras(item: dict[str, Any]) -> dict[str, Any]:
    """The optional attributes and DN a boundary may test."""
    attributes = {"companyName": item.get("company"), "department": item.get("department")}
    return {"attributes": {k: v for k, v in attributes.items() if v}, "dn": item.get("dn")}
