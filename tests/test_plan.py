"""`dlscan plan`: what each format writes, hostile names kept literal, accepted risks never planned.

The PowerShell plan is read by a real PowerShell parser (tree-sitter's grammar for it), not by a pattern."""

from __future__ import annotations

import io

import markdown_it
import pytest
import tree_sitter
import tree_sitter_powershell as grammar
from conftest import SAMPLE

from dlscan.boundary import parse_domain_option
from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.model import (
    Admission,
    DistributionList,
    ListKind,
    Recipient,
    RecipientKind,
    RuleLanguage,
    Snapshot,
    SourceInfo,
)
from dlscan.remediation import Plan, PlanSettings, build_plan, plan_writers
from dlscan.scan.engine import run_scan
from dlscan.sources.ldif_write import format_record

HOSTILE = [
    "Crew'; Remove-ADUser -Identity x; '",
    "Team $(Remove-Item C:\\ -Recurse) `n",
    "Board \u2019; Stop-Computer; \u2018",
    'Quote " and `backtick` and ${env:PATH}',
    "Line one\nRemove-ADGroup -Identity x",
    "[link](http://evil.example) <b>bold</b> | cell",
]
ALLOWED_COMMANDS = {
    "Add-Content", "Get-Date", "Join-Path", "Write-Output", "Set-StrictMode", "Invoke-PlanStep", "Get-ADGroup",
    "Set-ADGroup", "Get-DistributionGroup", "Set-DistributionGroup", "Write-PlanLog",
}  # fmt: skip


def _export(tmp_path):
    records = [
        format_record("DC=corp,DC=example", [("objectClass", "domainDNS")]),
        format_record(
            "CN=Alice,OU=Staff,DC=corp,DC=example", [("objectClass", "user"), ("mail", "alice@corp.example")]
        ),
        format_record(
            "CN=Partner,OU=Contacts,DC=corp,DC=example", [("objectClass", "contact"), ("mail", "p@partner.example")]
        ),
    ]
    for n, name in enumerate(HOSTILE):
        attributes = [("objectClass", "group"), ("displayName", name), ("mail", f"list{n}@corp.example")]
        attributes += [("member", "CN=Alice,OU=Staff,DC=corp,DC=example")]
        attributes += [("member", "CN=Partner,OU=Contacts,DC=corp,DC=example")]
        attributes += [("managedBy", "CN=Alice,OU=Staff,DC=corp,DC=example")]
        records.append(format_record(f"CN=List {n},OU=Groups,DC=corp,DC=example", attributes))
    path = tmp_path / "hostile.ldif"
    path.write_text("version: 1\n\n" + "".join(records), encoding="utf-8")
    return path


def _plan(dlscan, source, tmp_path, plan_format, *extra):
    output = tmp_path / f"plan.{plan_format}"
    outcome = dlscan("plan", source, "-d", "corp.example", "--format", plan_format, "-o", output, *extra)
    assert outcome.code == 0, outcome.err
    return output


def _nodes(node, kind):
    if node.type == kind:
        yield node
    for child in node.children:
        yield from _nodes(child, kind)


def test_hostile_names_stay_literal_in_the_powershell_plan(dlscan, tmp_path):
    script = _plan(dlscan, _export(tmp_path), tmp_path, "ps1").read_bytes()
    assert script.startswith(b"\xef\xbb\xbf")  # read as UTF-8 by Windows PowerShell 5.1 too
    tree = tree_sitter.Parser(tree_sitter.Language(grammar.language())).parse(script)
    assert not tree.root_node.has_error
    commands = {n.text.decode() for n in _nodes(tree.root_node, "command_name")}
    assert commands <= ALLOWED_COMMANDS, commands - ALLOWED_COMMANDS
    literals = {_unquoted(n.text.decode()) for n in _nodes(tree.root_node, "verbatim_string_characters")}
    for name in HOSTILE:
        assert name in literals and f"{name} (EXT)" in literals
    # Nothing from the directory is in a string PowerShell expands.
    expandable = b" ".join(n.text for n in _nodes(tree.root_node, "expandable_string_literal"))
    assert b"Remove" not in expandable and b"evil" not in expandable


def _unquoted(literal: str) -> str:
    inner = literal[1:-1]
    for quote in "'\u2018\u2019\u201a\u201b":
        inner = inner.replace(quote * 2, quote)
    return inner


def test_the_powershell_plan_runs_only_with_apply_and_carries_its_undo(dlscan, tmp_path):
    script = _plan(dlscan, SAMPLE, tmp_path, "ps1", "--only", "DL003").read_text(encoding="utf-8-sig")
    assert "$WhatIf = -not $Apply" in script
    steps = [line for line in script.splitlines() if line.strip().startswith("Invoke-PlanStep")]
    assert steps and all(line.count("-WhatIf:$WhatIf") == 1 for line in steps)
    forward = [s for s in steps if "(undo)" not in s]
    back = [s for s in steps if "(undo)" in s]
    assert len(forward) == len(back) == 11
    # Each guard reads the name the scan saw; the undo's guard reads the name the plan gave.
    assert "-ceq 'Events Team' } { Set-ADGroup" in "\n".join(forward)
    assert "-ceq 'Events Team (EXT)' } { Set-ADGroup" in "\n".join(back)
    # An Exchange dynamic list is no AD group: Exchange's own cmdlets rename it.
    assert "(Get-DynamicDistributionGroup -Identity 'CN=Staff Briefing,OU=Groups," in "\n".join(forward)


def _parsed(script: bytes):
    tree = tree_sitter.Parser(tree_sitter.Language(grammar.language())).parse(script)
    assert not tree.root_node.has_error
    return tree.root_node


def _step_lines(script: str, *, undo: bool) -> list[str]:
    steps = [line.strip() for line in script.splitlines() if line.strip().startswith("Invoke-PlanStep")]
    return [line for line in steps if ("(undo)" in line) == undo]


def test_a_plan_hides_a_confusable_twin_and_narrows_a_dynamic_filter_in_powershell(dlscan, tmp_path):
    script = _plan(dlscan, SAMPLE, tmp_path, "ps1", "--only", "DL005,DL021", "--hide-confusable").read_bytes()
    root = _parsed(script)
    commands = {n.text.decode() for n in _nodes(root, "command_name")}
    dynamic = {"Get-DynamicDistributionGroup", "Set-DynamicDistributionGroup"}
    assert dynamic <= commands <= ALLOWED_COMMANDS | dynamic, commands - ALLOWED_COMMANDS
    text = script.decode("utf-8-sig")
    forward, back = _step_lines(text, undo=False), _step_lines(text, undo=True)
    hides = [s for s in forward if "-HiddenFromAddressListsEnabled $true" in s]
    guarded = ".HiddenFromAddressListsEnabled -ne $true } { Set-DistributionGroup"
    assert len(hides) == 3 and all(guarded in s for s in hides)
    assert sum("-HiddenFromAddressListsEnabled $false" in s for s in back) == 3
    # The pair alike by address is reached by typing it, hidden or not: no hiding planned for it.
    assert not any("Supplier Remittances" in s for s in forward)
    assert "# By hand, DL005-" in text and "Supplier Remittances" in text
    # The dynamic list's filter is read, then narrowed, both as PowerShell literals of the exact text, and
    # both written in comments too, for a filter Exchange stored in its own words to be put back by hand.
    seen = "((RecipientType -eq 'UserMailbox') -or (RecipientType -eq 'MailContact'))"
    narrowed = f"({seen}) -and (RecipientType -ne 'MailContact')"
    literals = [_unquoted(n.text.decode()) for n in _nodes(root, "verbatim_string_characters")]
    assert literals.count(seen) == 2 and literals.count(narrowed) == 2  # forward and undo, guard and change
    (step,) = [s for s in forward if "-RecipientFilter" in s]
    assert step.index(".RecipientFilter -ceq '((RecipientType") < step.index("Set-DynamicDistributionGroup")
    assert f"#   before filter: {seen}" in text and f"#   after filter: {narrowed}" in text
    # The sample's dynamic list admits 18 outside contacts and one inside (coroner.liaison@): all 19 leave it.
    markdown = _plan(dlscan, SAMPLE, tmp_path, "md", "--only", "DL021").read_text(encoding="utf-8")
    assert "19 recipients stop receiving the list's mail" in markdown


def test_without_the_flag_a_confusable_pair_is_left_to_people_with_the_hint(dlscan, tmp_path):
    text = _plan(dlscan, SAMPLE, tmp_path, "ldif", "--only", "DL005").read_text(encoding="utf-8")
    assert "\ndn:" not in text and "HideFromAddressLists" not in text
    assert text.count("(or hide it from the address book: --hide-confusable)") == 3


def test_the_ldif_plan_leaves_a_filter_change_to_exchange_s_cmdlets(dlscan, tmp_path):
    plan = _plan(dlscan, SAMPLE, tmp_path, "ldif", "--only", "DL021")
    for text in (plan.read_text(encoding="utf-8"), (tmp_path / "plan.undo.ldif").read_text(encoding="utf-8")):
        assert "\ndn:" not in text
        assert "# 1. Not in LDIF (Exchange keeps a dynamic list's two filters in step only through " in text


def _twins(tmp_path, *, hidden_values):
    """An export with an internal list and, for each value of msExchHideFromAddressLists (None: absent),
    an external look-alike of it; and a dynamic list with an LDAP filter alone that admits the contact."""
    base = "DC=corp,DC=example"
    alice, partner = f"CN=Alice,OU=Staff,{base}", f"CN=Partner,OU=Contacts,{base}"
    records = [
        format_record(base, [("objectClass", "domainDNS")]),
        format_record(alice, [("objectClass", "user"), ("mail", "alice@corp.example")]),
        format_record(partner, [("objectClass", "contact"), ("mail", "p@partner.example")]),
    ]
    for n, (value, name) in enumerate(zip(hidden_values, ("Adoption Panel", "Fostering Board"), strict=False)):
        common = [("objectClass", "group"), ("managedBy", alice)]
        inside = [("displayName", name), ("mail", f"inside{n}@corp.example"), ("member", alice)]
        outside = [("displayName", f"{name}s"), ("mail", f"outside{n}@corp.example")]
        outside += [("member", partner)] + ([("msExchHideFromAddressLists", value)] if value else [])
        records.append(format_record(f"CN=Inside {n},OU=Groups,{base}", common + inside))
        records.append(format_record(f"CN=Outside {n},OU=Groups,{base}", common + outside))
    dynamic = [("objectClass", "msExchDynamicDistributionList"), ("displayName", "Everyone"),
               ("mail", "everyone@corp.example"), ("managedBy", alice),
               ("msExchDynamicDLFilter", "(|(objectClass=user)(objectClass=contact))")]  # fmt: skip
    records.append(format_record(f"CN=Everyone,OU=Groups,{base}", dynamic))
    path = tmp_path / "twins.ldif"
    path.write_text("version: 1\n\n" + "".join(records), encoding="utf-8")
    return path


def test_hiding_in_ldif_adds_an_absent_flag_and_replaces_a_false_one_and_its_undo_puts_each_back(dlscan, tmp_path):
    source = _twins(tmp_path, hidden_values=(None, "FALSE"))
    text = _plan(dlscan, source, tmp_path, "ldif", "--only", "DL005", "--hide-confusable").read_text(encoding="utf-8")
    absent, false = text.split("\ndn: CN=Outside 0,", 1)[1], text.split("\ndn: CN=Outside 1,", 1)[1]
    assert absent.split("\n\n")[0].rstrip().endswith(
        "changetype: modify\nadd: msExchHideFromAddressLists\nmsExchHideFromAddressLists: TRUE\n-"
    )
    assert false.split("\n\n")[0].rstrip().endswith(
        "changetype: modify\ndelete: msExchHideFromAddressLists\nmsExchHideFromAddressLists: FALSE\n-\n"
        "add: msExchHideFromAddressLists\nmsExchHideFromAddressLists: TRUE\n-"
    )
    undo = (tmp_path / "plan.undo.ldif").read_text(encoding="utf-8")
    back_absent, back_false = undo.split("\ndn: CN=Outside 0,", 1)[1], undo.split("\ndn: CN=Outside 1,", 1)[1]
    assert back_absent.split("\n\n")[0].rstrip().endswith(
        "changetype: modify\ndelete: msExchHideFromAddressLists\nmsExchHideFromAddressLists: TRUE\n-"
    )
    assert back_false.split("\n\n")[0].rstrip().endswith(
        "delete: msExchHideFromAddressLists\nmsExchHideFromAddressLists: TRUE\n-\n"
        "add: msExchHideFromAddressLists\nmsExchHideFromAddressLists: FALSE\n-"
    )


def test_a_dynamic_list_with_an_ldap_filter_alone_is_left_to_people(dlscan, tmp_path):
    source = _twins(tmp_path, hidden_values=())
    text = _plan(dlscan, source, tmp_path, "ldif", "--only", "DL021").read_text(encoding="utf-8")
    assert "By hand, DL021-" in text and "an LDAP filter alone (no recipient filter)" in text
    assert "Not in LDIF" not in text


def test_hostile_names_stay_literal_in_the_markdown_plan(dlscan, tmp_path):
    text = _plan(dlscan, _export(tmp_path), tmp_path, "md").read_text(encoding="utf-8")
    html = markdown_it.MarkdownIt("commonmark").render(text)  # raw HTML allowed, as CommonMark does
    assert "<a " not in html and "<b>" not in html  # a name adds no link and no markup
    assert html.count("[link](http://evil.example) &lt;b&gt;bold&lt;/b&gt; | cell") >= 3
    assert "## By hand" in text and "**Who is affected:**" in text and "**Undo:**" in text


def test_accepted_risks_are_never_planned(dlscan, tmp_path):
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        "suppressions:\n  - rule: DL003\n    list: events@wyvern.gov.uk\n    reason: a partner list by design\n"
        "    expires: 2099-01-01\n    accepted_by: Data Protection Officer\n",
        encoding="utf-8",
    )
    plan = _plan(dlscan, SAMPLE, tmp_path, "ldif", "--only", "DL003", "--accepted-risks", accepted)
    text = plan.read_text(encoding="utf-8")
    assert "Events Team (EXT)" not in text
    assert "# Accepted risk, not planned: DL003-" in text
    assert "Fostering Panel (EXT)" in text


def test_findings_no_change_resolves_are_steps_by_hand_with_the_reason(dlscan, tmp_path):
    text = _plan(dlscan, SAMPLE, tmp_path, "ldif", "--only", "DL007,DL014,DL013").read_text(encoding="utf-8")
    assert "mail gateway" in text and "duplicate lists" in text
    assert "give the new owner with --owner" in text  # an owner is never guessed
    assert "\ndn:" not in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--owner", "nobody@nowhere.example"), "--owner 'nobody@nowhere.example' is no recipient"),
        (("--marker-suffix", " (internal)"), "does not match the rule pack's external_marker"),
    ],
)
def test_a_plan_that_cannot_be_made_is_one_line_and_exit_2(dlscan, tmp_path, extra, message):
    output = tmp_path / "plan.ldif"
    outcome = dlscan("plan", SAMPLE, "--format", "ldif", "-o", output, *extra)
    assert outcome.code == 2
    assert message in outcome.err and len(outcome.err.strip().splitlines()) == 1
    assert not output.exists()


def test_the_readme_plan_is_what_dlscan_writes(dlscan, tmp_path):
    from conftest import ROOT

    block = (ROOT / "README.md").read_text(encoding="utf-8").split("## Plans: from finding to fix", 1)[1]
    shown = block.split("$ cat plan.ldif\n", 1)[1].split("$ ldapmodify", 1)[0]
    written = _plan(
        dlscan, SAMPLE, tmp_path, "ldif", "--only", "DL010,DL013", "--owner", "gareth.price@wyvern.gov.uk"
    ).read_text(encoding="utf-8")
    excerpt = "\n".join(line for line in shown.splitlines() if line != "…")
    assert excerpt in written


def _tenant_plan(people: list[Recipient], lists: list[DistributionList], settings: PlanSettings) -> tuple[Plan, str]:
    """Scan a tenant of these recipients and lists, and write its PowerShell plan."""
    tenant = SourceInfo(kind="m365", name="tenant")
    snapshot = Snapshot(source=tenant, recipients={r.id: r for r in people}, lists={x.id: x for x in lists})
    pack = load_rule_pack(rule_specs())
    result = run_scan(snapshot, [parse_domain_option("corp.example", "test")], pack)
    plan = build_plan(result.findings, snapshot, settings, pack.settings.marked_external)
    stream = io.StringIO()
    plan_writers()["ps1"]().write(plan, stream)
    return plan, stream.getvalue()


def test_a_tenant_s_plan_uses_exchange_online_s_cmdlets_and_parses(tmp_path):
    people = [
        Recipient(id="u1", kind=RecipientKind.USER, display_name="Ann", primary_address="ann@corp.example"),
        Recipient(
            id="u2", kind=RecipientKind.USER, display_name="Bo", primary_address="bo@corp.example", enabled=False
        ),
        Recipient(id="g1", kind=RecipientKind.CONTACT, display_name="Guest", primary_address="g@partner.example"),
    ]
    lists = [
        DistributionList(id=f"l{n}", display_name=f"{HOSTILE[n]} {kind.value}", primary_address=f"l{n}@corp.example",
                         kind=kind, members=("u1", "u2", "g1"), owners=(), accepts_external_senders=True)
        for n, kind in enumerate((ListKind.DISTRIBUTION, ListKind.M365))
    ]  # fmt: skip
    # Exchange Online's dynamic lists: one with a recipient filter, one with an LDAP filter alone.
    lists += [
        DistributionList(id=f"d{n}", display_name=f"Dynamic {n}", primary_address=f"d{n}@corp.example",
                         kind=ListKind.DYNAMIC, members=("u1", "g1"), owners=("u1",), membership_rule=rule,
                         membership_rule_language=language, admitted_by=(Admission("(objectClass=contact)", ("g1",)),))
        for n, (rule, language) in enumerate(
            (("(RecipientType -eq 'MailContact')", RuleLanguage.OPATH), ("(objectClass=contact)", RuleLanguage.LDAP))
        )
    ]  # fmt: skip
    plan, text = _tenant_plan(people, lists, PlanSettings(owner="ann@corp.example"))
    script = text.encode("utf-8")
    tree = tree_sitter.Parser(tree_sitter.Language(grammar.language())).parse(script)
    assert not tree.root_node.has_error
    commands = {n.text.decode() for n in _nodes(tree.root_node, "command_name")}
    online = {"Set-DistributionGroup", "Remove-DistributionGroupMember", "Add-DistributionGroupMember",
              "Set-UnifiedGroup", "Remove-UnifiedGroupLinks", "Add-UnifiedGroupLinks"}  # fmt: skip
    assert online <= commands
    assert not {"Set-ADGroup", "Get-ADGroup"} & commands  # a tenant's lists are not AD's
    # A dynamic list is changed by the dynamic list's cmdlets, named by its address.
    text = script.decode("utf-8")
    assert "Set-DynamicDistributionGroup -Identity 'd0@corp.example' -DisplayName 'Dynamic 0 (EXT)'" in text
    narrowed = "'((RecipientType -eq ''MailContact'')) -and (RecipientType -ne ''MailContact'')'"
    assert f"Set-DynamicDistributionGroup -Identity 'd0@corp.example' -RecipientFilter {narrowed}" in text
    assert "DistributionGroup -Identity 'd0@" not in text.replace("DynamicDistributionGroup", "")
    assert [m.list_name for m in plan.manual if m.cause.code == "DL021"] == ["Dynamic 1"]  # an LDAP filter alone


def test_the_command_offers_every_plan_format_there_is():
    from dlscan.cli.plan import _FORMATS
    from dlscan.remediation import plan_writers

    # Listed in the command so that `dlscan --help` does not load the plan machinery; kept true here.
    assert set(_FORMATS) == set(plan_writers())


def test_every_rule_without_a_planner_says_why_it_is_left_to_people():
    from dlscan.checks import CHECK_CLASSES
    from dlscan.remediation.planner import _MANUAL, _PLANNERS

    assert {c.code for c in CHECK_CLASSES} == set(_PLANNERS) | set(_MANUAL)


def test_a_tenant_s_twins_are_hidden_by_the_cmdlets_of_their_kind_where_the_source_tells_it(tmp_path):
    people = [
        Recipient(id="u1", kind=RecipientKind.USER, display_name="Ann", primary_address="ann@corp.example"),
        Recipient(id="g1", kind=RecipientKind.CONTACT, display_name="Guest", primary_address="g@partner.example"),
    ]
    twins = [("Adoption Panel", ListKind.DISTRIBUTION, False), ("Fostering Board", ListKind.M365, False),
             ("Housing Desk", ListKind.DYNAMIC, False), ("Parking Office", ListKind.DISTRIBUTION, None)]  # fmt: skip
    rule = {"membership_rule": "(RecipientType -eq 'MailContact')", "membership_rule_language": RuleLanguage.OPATH,
            "admitted_by": (Admission("(objectClass=contact)", ("g1",)),)}  # fmt: skip
    lists = []
    for n, (name, kind, hidden) in enumerate(twins):
        lists.append(DistributionList(id=f"i{n}", display_name=name, primary_address=f"i{n}@corp.example",
                                      members=("u1",), owners=("u1",), hidden_from_address_book=False))  # fmt: skip
        dynamic = rule if kind is ListKind.DYNAMIC else {}
        lists.append(DistributionList(id=f"e{n}", display_name=f"{name}s", primary_address=f"e{n}@corp.example",
                                      kind=kind, members=("g1",), owners=("u1",), hidden_from_address_book=hidden,
                                      **dynamic))  # fmt: skip
    plan, script = _tenant_plan(people, lists, PlanSettings(codes=frozenset({"DL005"}), hide_confusable=True))
    _parsed(script.encode("utf-8"))
    for cmdlet, address in (("DistributionGroup", "e0"), ("UnifiedGroup", "e1"), ("DynamicDistributionGroup", "e2")):
        guard = f"(Get-{cmdlet} -Identity '{address}@corp.example').HiddenFromAddressListsEnabled -ne $true"
        change = f"Set-{cmdlet} -Identity '{address}@corp.example' -HiddenFromAddressListsEnabled $true"
        assert f"{{ {guard} }} {{ {change} -WhatIf:$WhatIf }}" in script
    # Graph does not say whether a distribution list is hidden: that one is left to people, with the reason.
    (manual,) = plan.manual
    assert manual.list_name == "Parking Offices" and "does not say whether the list is hidden" in manual.reason
