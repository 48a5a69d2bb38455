"""Rule packs: a user's pack is laid over the built-in one and validated with file and line."""

from __future__ import annotations

import json

import pytest
from conftest import SAMPLE

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import default_pack_path, load_rule_pack
from dlscan.findings import Severity
from dlscan.support.errors import InputError


def test_overlay_changes_only_what_it_names(tmp_path):
    pack_file = tmp_path / "mine.yaml"
    pack_file.write_text(
        "settings:\n  sensitive_keywords: [elections]\n"
        "rules:\n  DL011:\n    params:\n      max_depth: 2\n  DL014:\n    enabled: false\n"
    )
    pack = load_rule_pack(rule_specs(), pack_file)
    assert pack.rules["DL011"].params["max_depth"] == 2
    assert pack.rules["DL011"].severity is Severity.LOW
    assert not pack.rules["DL014"].enabled
    assert pack.settings.sensitive_keyword("Elections Office", None) == "Elections"
    assert pack.settings.sensitive_keyword("Payroll", None) is None


def test_overlay_changes_the_scan(tmp_path, dlscan):
    pack_file = tmp_path / "mine.yaml"
    pack_file.write_text("rules:\n  DL003:\n    severity: low\n    sensitive_severity: medium\n")
    findings = json.loads(dlscan("scan", SAMPLE, "--rules", pack_file, "--format", "json").out)["findings"]
    assert {f["severity"] for f in findings if f["code"] == "DL003"} <= {"low", "medium"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("rules:\n  DL099:\n    severity: low\n", 2, "unknown rule 'DL099'"),
        ("rules:\n  DL001:\n    severity: severe\n", 3, "severity 'severe'"),
        ("rules:\n  DL011:\n    params:\n      depth: 3\n", 4, "no parameter 'depth'"),
        ("rules:\n  DL001:\n    slug: mixing\n", 3, "cannot be changed"),
        ("rules:\n  DL001:\n    colour: red\n", 3, "unknown key of rule DL001 'colour'"),
        ("rules:\n  DL001:\n    severity: low\n  DL001:\n    severity: high\n", 4, "duplicate key 'DL001'"),
        ("settings:\n  external_marker: '(unclosed'\n", 2, "not a valid regular expression"),
        ("rules: [\n", 2, "invalid YAML"),
        # What msgspec refuses, named as before: keys that are not text, a list's item, its own words in a key.
        ("1: x\n", 1, "unknown rule pack 1"),
        ("settings:\n  yes: x\n", 2, "unknown setting True"),
        ("settings:\n  external_marker: x\n  null: x\n", 3, "unknown setting None"),
        ("rules:\n  DL001:\n    2: x\n", 3, "unknown key of rule DL001 2"),
        ("rules:\n  DL011:\n    params:\n      3: x\n", 4, "rule DL011 has no parameter 3"),
        ("settings:\n  restricted_suffixes: [gov.uk, 1]\n", 2, "'restricted_suffixes' must be a list of words"),
        (
            "rules:\n  DL019:\n    params:\n      restricted_suffixes: [gov.uk]\n", 4,
            "'restricted_suffixes' is no longer a parameter of DL019: it is one of the pack's settings",
        ),
        ("settings:\n  'a` - at `$.rules': 1\n", 2, "unknown setting 'a` - at `$.rules'"),
        ("settings:\n  \"a\\nb\": 1\n", 2, "unknown setting 'a\\nb'"),
        ("rules:\n  DL001:\n    slug: 5\n", 3, "rule DL001 is 'mixed-membership'; its slug cannot be changed"),
    ],
)
def test_invalid_pack_names_file_and_line(tmp_path, text, line, fragment):
    pack_file = tmp_path / "bad.yaml"
    pack_file.write_text(text)
    with pytest.raises(InputError) as caught:
        load_rule_pack(rule_specs(), pack_file)
    assert caught.value.line == line and caught.value.path == str(pack_file)
    assert fragment in str(caught.value)


def test_default_pack_documents_every_rule():
    pack = load_rule_pack(rule_specs())
    assert default_pack_path().name == "default.yaml"
    for rule in pack.rules.values():
        assert rule.title and len(rule.rationale) > 40 and len(rule.remediation) > 30


CUSTOM = """custom_rules:
  ORG001:
    slug: my-rule
    title: A rule
    severity: high
    when:
      - {fact: FACT, op: OP, value: VALUE}
    rationale: Because it matters to us.
    remediation: Do the right thing.
"""


@pytest.mark.parametrize(
    ("fact", "op", "value", "fragment"),
    [
        ("colour", "equals", "'red'", "unknown fact 'colour'"),
        ("recipients", "roughly", "3", "unknown operator 'roughly'"),
        ("name", "gt", "3", "'gt' does not apply to name"),
        ("name", "matches", "'(unclosed'", "not a valid regular expression"),
        ("recipients", "gt", "'many'", "must be a whole number"),
        ("sensitive", "equals", "'yes'", "must be true or false"),
        ("kind", "in", "distribution", "must be a list of text values"),
        ("[name]", "equals", "'x'", "the fact of a condition must be a name"),  # was exit 3, a TypeError
        ("{a: 1}", "equals", "'x'", "the fact of a condition must be a name"),
        ("name", "[equals]", "'x'", "the op of a condition must be a name"),
    ],
)
def test_invalid_custom_condition_names_file_and_line(tmp_path, dlscan, fact, op, value, fragment):
    pack_file = tmp_path / "mine.yaml"
    pack_file.write_text(CUSTOM.replace("FACT", fact).replace("OP", op).replace("VALUE", value))
    outcome = dlscan("scan", SAMPLE, "--rules", pack_file)
    assert outcome.code == 2
    assert outcome.err.startswith(f"dlscan: error: {pack_file}:7: ORG001: "), outcome.err
    assert fragment in outcome.err


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (CUSTOM.replace("ORG001", "DL001"), 2, "rule id 'DL001' is already in use"),
        (CUSTOM + CUSTOM.replace("custom_rules:\n", ""), 10, "duplicate key 'ORG001'"),
        (CUSTOM.replace("ORG001", "org1"), 2, "must be 3-32 capitals"),
        (CUSTOM.replace("    when:\n      - {fact: FACT, op: OP, value: VALUE}\n", ""), 2, "lacks 'when'"),
        (CUSTOM.replace("op: OP, ", ""), 7, "lacks 'op'"),
        (CUSTOM.replace("severity: high", "severity: dire"), 5, "is not a severity"),
    ],
)
def test_invalid_custom_rule_structure(tmp_path, text, line, fragment):
    pack_file = tmp_path / "mine.yaml"
    pack_file.write_text(text)
    with pytest.raises(InputError) as caught:
        load_rule_pack(rule_specs(), pack_file)
    assert caught.value.line == line, caught.value
    assert fragment in str(caught.value)


def test_custom_rules_are_listed_and_unknown_facts_reported(tmp_path, dlscan):
    pack_file = tmp_path / "mine.yaml"
    pack_file.write_text(
        CUSTOM.replace("FACT", "open_to_external_senders").replace("OP", "equals").replace("VALUE", "true")
    )
    assert "ORG001  my-rule" in dlscan("rules", "--rules", pack_file).out
    export = tmp_path / "x.ldif"
    export.write_text("dn: CN=T,DC=corp,DC=example\nobjectClass: group\nmail: t@corp.example\n\n")
    outcome = dlscan("scan", export, "-d", "corp.example", "--rules", pack_file, "--format", "json")
    notes = json.loads(outcome.out)["summary"]["not_evaluated"]
    assert "ORG001: the source does not give open_to_external_senders for 1 list." in notes
