"""Hostile and broken input: one line and exit 2, never a silent clean and never an internal error.

One case per failure found when dlscan's readers were fuzzed and tried as an attacker would.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import SAMPLE

from dlscan.sources import load_source
from dlscan.sources.snapshot import write_snapshot


@pytest.fixture(scope="module")
def snapshot_text(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("snapshot") / "wyvern.json"
    write_snapshot(load_source(SAMPLE), path)
    return path.read_text(encoding="utf-8").rstrip("\n")


def one_line_error(outcome, *expected: str) -> None:
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert len(outcome.err.strip().splitlines()) == 1, outcome.err
    assert all(text in outcome.err for text in expected), outcome.err
    assert "internal error" not in outcome.err


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda text: text[:-1] + ',"recipients":[],"lists":[]}', "'recipients' appears 2 times at the top level"),
        (lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "lists"}), "it has no 'lists'"),
        (lambda text: json.dumps(json.loads(text) | {"extra": 1}), "unknown field 'extra' at the top level"),
        (lambda text: json.dumps(json.loads(text) | {"recipients": [], "lists": []}), "holds no recipients and no"),
        (lambda text: json.dumps(json.loads(text) | {"lists": []}, indent=2)[:-2] + ',\n  "lists": []\n}',
         "'lists' appears 2 times"),
    ],
    ids=["duplicate keys empty it", "no lists", "unknown top-level field", "emptied", "pretty-printed, duplicate"],
)
def test_a_snapshot_that_is_not_whole_is_refused(snapshot_text, tmp_path, dlscan, change, expected):
    path = tmp_path / "changed.json"
    path.write_text(change(snapshot_text), encoding="utf-8")
    one_line_error(dlscan("scan", path, "--fail-on", "never"), expected)


def test_a_pretty_printed_snapshot_reads_as_the_compact_one(snapshot_text, tmp_path, dlscan):
    pretty = tmp_path / "pretty.json"
    pretty.write_text(json.dumps(json.loads(snapshot_text), indent=2), encoding="utf-8")
    compact = tmp_path / "compact.json"
    compact.write_text(snapshot_text, encoding="utf-8")
    assert dlscan("scan", pretty, "-f", "json").out == dlscan("scan", compact, "-f", "json").out.replace(
        "compact.json", "pretty.json"
    )


@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_deep_nesting_is_an_error_not_a_crash(tmp_path, dlscan, depth):
    snapshot = tmp_path / "deep.json"
    snapshot.write_text('{"format":"dlscan-snapshot","format_version":1,"notes":' + "[" * depth + "]" * depth + "}")
    one_line_error(dlscan("scan", snapshot), "deep.json")
    config = tmp_path / "deep.toml"
    config.write_text("[scan]\nrules = " + "[" * depth + "]" * depth + "\n")
    one_line_error(dlscan("scan", SAMPLE, "--config", config), "deep.toml")
    pack = tmp_path / "deep.yaml"
    pack.write_text("settings: " + "[" * depth + "]" * depth + "\n")
    one_line_error(dlscan("scan", SAMPLE, "--rules", pack), "deep.yaml")


def test_a_yaml_alias_bomb_is_refused_at_once(tmp_path, dlscan):
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for name, below in zip("bcdefghij", "abcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{','.join([f'*{below}'] * 9)}]")
    pack = tmp_path / "bomb.yaml"
    pack.write_text("rules:\n  DL001:\n    severity: high\n    params: {}\n" + "\n".join(levels) + "\n")
    started = time.monotonic()
    outcome = dlscan("scan", SAMPLE, "--rules", pack)
    assert time.monotonic() - started < 10
    one_line_error(outcome, "anchors and aliases")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  DL014:\n    params:\n      min_similarity: .nan\n", "must be a number from 0 to 1"),
        ("rules:\n  DL014:\n    params:\n      min_similarity: .inf\n", "must be a number from 0 to 1"),
        ("rules:\n  DL014:\n    params:\n      min_similarity: -5.0\n", "must be a number from 0 to 1"),
        ("rules:\n  DL011:\n    params:\n      max_depth: -1\n", "must be a whole number, 0 or more"),
        ("rules:\n  {[1, 2]: x}\n", "a key must be a word or a number"),
        ("rules:\n  DL001: &x\n    severity: high\n  DL002: *x\n", "anchors and aliases"),
    ],
    ids=["NaN", "infinity", "negative", "negative depth", "unhashable key", "an alias"],
)
def test_a_bad_rule_pack_is_one_line(tmp_path, dlscan, text, expected):
    pack = tmp_path / "pack.yaml"
    pack.write_text(text)
    one_line_error(dlscan("scan", SAMPLE, "--rules", pack), "pack.yaml", expected)


def test_an_impossible_date_in_accepted_risks_is_one_line(tmp_path, dlscan):
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(
        "suppressions:\n  - rule: DL001\n    list: X\n    reason: r\n    accepted_by: me\n    expires: 2099-13-45\n"
    )
    config = tmp_path / "dlscan.toml"
    config.write_text(f'[run]\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\nsuppressions = "accepted.yaml"\n')
    one_line_error(dlscan("run", "--config", config), "accepted.yaml:6:", "month must be in 1..12")


def test_a_gzip_bomb_stops_at_the_limit(tmp_path, dlscan, monkeypatch):
    import gzip

    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as stream:
        stream.write(b'{"format":"dlscan-snapshot","format_version":1,"notes":["')
        for _ in range(20):
            stream.write(b"A" * 2**20)
        stream.write(b'"]}')
    assert bomb.stat().st_size < 100_000
    monkeypatch.setenv("DLSCAN_MAX_EXPANDED_BYTES", str(10 * 2**20))
    one_line_error(dlscan("scan", bomb), "expands past 10,485,760 bytes", "DLSCAN_MAX_EXPANDED_BYTES")
    ldif = tmp_path / "bomb.ldif.gz"
    with gzip.open(ldif, "wb", compresslevel=9) as stream:
        stream.write(b"version: 1\n\ndn: CN=A,DC=corp,DC=example\nobjectClass: user\ndescription: ")
        for _ in range(20):
            stream.write(b"A" * 2**20)
    one_line_error(dlscan("scan", ldif), "expands past")


def test_a_gzipped_export_within_the_limit_reads_as_the_plain_one(tmp_path, dlscan):
    import gzip

    packed = tmp_path / "wyvern.ldif.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    plain = dlscan("scan", SAMPLE, "-f", "json", "--fail-on", "never").out
    assert dlscan("scan", packed, "-f", "json", "--fail-on", "never").out == plain.replace(
        '"wyvern.ldif"', '"wyvern.ldif.gz"'
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_not_read_as_a_source(dlscan, monkeypatch):
    one_line_error(dlscan("scan", "/dev/zero"), "is not a regular file", "--allow-pipe")
    monkeypatch.setenv("DLSCAN_MAX_EXPANDED_BYTES", str(5 * 2**20))
    one_line_error(dlscan("scan", "/dev/zero", "--allow-pipe"), "gives more than 5,242,880 bytes")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_is_read_when_asked_as_the_file_is(tmp_path, dlscan):
    import threading

    pipe = tmp_path / "wyvern.ldif"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as stream:
            stream.write(SAMPLE.read_bytes())

    writer = threading.Thread(target=feed)
    writer.start()
    piped = dlscan("scan", pipe, "--allow-pipe", "-f", "json", "--fail-on", "never")
    writer.join(timeout=30)
    assert piped.code == 0, piped.err
    assert piped.out == dlscan("scan", SAMPLE, "-f", "json", "--fail-on", "never").out


def test_a_utf8_snapshot_with_a_byte_order_mark_reads_as_one_without(snapshot_text, tmp_path, dlscan):
    plain, marked = tmp_path / "plain.json", tmp_path / "marked.json"
    plain.write_text(snapshot_text, encoding="utf-8")
    marked.write_bytes(b"\xef\xbb\xbf" + snapshot_text.encode("utf-8"))
    assert dlscan("scan", marked, "-f", "json").out == dlscan("scan", plain, "-f", "json").out.replace(
        "plain.json", "marked.json"
    )


def test_a_utf16_snapshot_is_told_to_be_utf8_not_read_as_ldif(snapshot_text, tmp_path, dlscan):
    path = tmp_path / "utf16.json"
    path.write_bytes(snapshot_text.encode("utf-16"))
    one_line_error(dlscan("scan", path), "is UTF-16 JSON; a snapshot must be UTF-8")


def test_a_list_whose_object_class_is_damaged_is_a_note_not_a_silent_drop(write_ldif, dlscan):
    export = write_ldif(
        "dn: CN=Team,DC=corp,DC=example\nobjectClass: grou\nmail: team@corp.example\n"
        "member: CN=Alice,OU=Staff,DC=corp,DC=example\n\n"
    )
    outcome = dlscan("scan", export, "-f", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    notes = json.loads(outcome.out)["summary"]["not_evaluated"]
    assert any("1 entry with mail or members" in n and "objectClass grou" in n for n in notes)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("dn: CN=Team,DC=corp,DC=example\nobjectClass: group\nmail: t@corp.example\nmember: CN=Alice;corp\n",
         "names a DN that cannot be read: RDN without '='"),
        ("dn: CN=Team;corp\nobjectClass: group\nmail: t@corp.example\n", "names a DN that cannot be read"),
        ("dn: DC=corp,example\nobjectClass: domainDNS\n", "the domain's DN cannot be read"),
    ],
    ids=["a member's DN", "the entry's own DN", "the domain's DN"],
)
def test_a_dn_that_cannot_be_read_is_one_line_not_an_internal_error(write_ldif, dlscan, entry, expected):
    """Found by the fuzz tests (tests/test_fuzz_readers.py): each was exit 3, a ValueError."""
    one_line_error(dlscan("scan", write_ldif(entry + "\n")), expected)


@pytest.mark.parametrize(
    "pack",
    [
        "settings:\n  external_marker: '(a+)+$'\n",
        "custom_rules:\n  ORG001:\n    slug: s\n    title: t\n    severity: low\n    when:\n"
        "      - {fact: name, op: matches, value: '(a|aa)+$'}\n    rationale: r\n    remediation: r\n",
    ],
    ids=["external marker", "custom rule"],
)
def test_a_pattern_that_backtracks_takes_linear_time_on_a_hostile_name(write_ldif, tmp_path, pack):
    """The pattern and the name that hung a scan: thirty-odd a's then '!' take a backtracking matcher
    2^n steps. Run as a process with a deadline, so that a regression fails instead of hanging."""
    import subprocess
    import sys

    name = "a" * 40 + "!"
    export = write_ldif(f"dn: CN={name},DC=corp,DC=example\nobjectClass: group\ndisplayName: {name}\n"
                        "mail: team@corp.example\n\n")  # fmt: skip
    rules = tmp_path / "rules.yaml"
    rules.write_text(pack, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dlscan", "scan", str(export), "--rules", str(rules), "--fail-on", "never"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("(?<![a-z])ext", "invalid perl operator: (?<"), (r"(a)\1", "invalid escape sequence")],
    ids=["lookbehind", "backreference"],
)
def test_a_pattern_that_cannot_be_matched_in_linear_time_is_one_line(tmp_path, dlscan, pattern, expected):
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"settings:\n  external_marker: '{pattern}'\n", encoding="utf-8")
    one_line_error(dlscan("scan", SAMPLE, "--rules", rules), expected, "linear time, by RE2")
