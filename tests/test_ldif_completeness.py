"""An LDIF export shows that it is whole, or the scan says it could not: a cut file never reads as a
smaller, cleaner directory. The ldapsearch shapes here are copied from what ldapsearch wrote against the
Samba DC (test_ldap.py checks the live ones)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import SAMPLE, empty_scan_result

from dlscan.model import Completeness
from dlscan.sources.ldif import LdifExport
from dlscan.support.errors import InputError

SAMPLE_LINES = SAMPLE.read_bytes().split(b"\n")


def completeness_of(path) -> Completeness | str:
    export = LdifExport(path)
    try:
        for _ in export:
            pass
    except InputError as exc:
        return str(exc)
    assert export.completeness is not None
    return export.completeness


def cut_points() -> list[int]:
    """Every line end in a stretch of users and groups, and a spread over the whole file."""
    dense = range(4550, 4680)
    spread = range(7, len(SAMPLE_LINES) - 1, 173)
    return sorted({*dense, *spread})


def test_every_cut_of_an_uncounted_export_says_so(tmp_path):
    """The sample counts nothing, as ldifde writes. A cut inside an entry is unproven, or refused; a cut
    just after a blank line cannot be told from a whole export, and is said to be uncounted, as the whole
    one is."""
    seen = set()
    for lines in cut_points():
        path = tmp_path / "cut.ldif"
        path.write_bytes(b"\n".join(SAMPLE_LINES[:lines]) + b"\n")
        found = completeness_of(path)
        at_a_boundary = SAMPLE_LINES[lines - 1].strip() == b""
        if at_a_boundary:
            assert found is Completeness.UNCOUNTED, (lines, found)
        else:  # refused outright where the cut leaves a value that cannot be read (half a base64 value)
            assert found is Completeness.UNPROVEN or "not valid base64" in found, (lines, found)
        seen.add(found if isinstance(found, Completeness) else "refused")
    assert seen == {Completeness.UNCOUNTED, Completeness.UNPROVEN, "refused"}
    assert completeness_of(SAMPLE) is Completeness.UNCOUNTED


def ldapsearch_output(entries: int, *, counted: int | None = None, paged: bool = False) -> str:
    """ldapsearch's extended LDIF, as it wrote it against the Samba DC: a header per search (and per page),
    AD's referral as a 'ref:' block, the result trailer, then the counts."""
    header = (
        "# extended LDIF\n#\n# LDAPv3\n# base <DC=corp,DC=example> with scope subtree\n"
        "# filter: (objectClass=*)\n#\n\n"
    )
    body = [header]
    for n in range(entries):
        if paged and n and n % 2 == 0:
            body.append(f"# search result\nsearch: {n}\nresult: 0 Success\npagedresults: cookie=MQA=\n{header}")
        body.append(f"# user{n}, corp.example\ndn: CN=user{n},DC=corp,DC=example\nobjectClass: user\n"
                    f"mail: user{n}@corp.example\n\n")  # fmt: skip
    body.append("# search reference\nref: ldap://corp.example/CN=Configuration,DC=corp,DC=example\n\n")
    body.append("# search result\nsearch: 2\nresult: 0 Success\n\n")
    body.append(f"# numResponses: {entries + 2}\n# numEntries: {entries if counted is None else counted}\n"
                "# numReferences: 1\n")  # fmt: skip
    return "".join(body)


@pytest.mark.parametrize("paged", [False, True], ids=["one search", "paged"])
def test_ldapsearch_counts_prove_an_export_whole(tmp_path, paged):
    path = tmp_path / "export.ldif"
    path.write_text(ldapsearch_output(5, paged=paged), encoding="utf-8")
    assert completeness_of(path) is Completeness.WHOLE


def test_an_export_missing_entries_that_ldapsearch_counted_is_refused(tmp_path):
    path = tmp_path / "export.ldif"
    path.write_text(ldapsearch_output(5, counted=6), encoding="utf-8")
    found = completeness_of(path)
    assert isinstance(found, str) and "counted 6 entries in this search, but the file holds 5" in found


def test_every_cut_of_an_ldapsearch_export_before_its_counts_is_refused(tmp_path):
    lines = ldapsearch_output(5, paged=True).splitlines(keepends=True)
    closing = next(n for n, line in enumerate(lines) if line.startswith("# numResponses"))
    for keep in range(3, len(lines)):
        path = tmp_path / "cut.ldif"
        path.write_text("".join(lines[:keep]), encoding="utf-8")
        found = completeness_of(path)
        if keep <= closing:
            assert isinstance(found, str) and "ends without its closing counts" in found, (keep, found)
        else:
            assert found is Completeness.WHOLE, (keep, found)


def test_entries_added_after_the_counts_are_uncounted(tmp_path):
    path = tmp_path / "export.ldif"
    path.write_text(ldapsearch_output(2) + "\ndn: CN=late,DC=corp,DC=example\nobjectClass: user\n\n", encoding="utf-8")
    assert completeness_of(path) is Completeness.UNCOUNTED


@pytest.fixture
def cut_sample(tmp_path):
    """The sample cut inside the entry of its external contractors' list, with that list's members moved to
    the end: the cut drops its outside member, and with it the list's DL001."""
    records = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    waste = next(r for r in records if r.startswith("dn: CN=Waste Contractors (External),"))
    lines = waste.replace("\n ", "").splitlines()  # unfolded, so that each member is one line
    members = [line for line in lines if line.startswith("member:")]
    assert len(members) >= 2
    reordered = [line for line in lines if not line.startswith("member:")] + members
    whole = "\n\n".join([r for r in records if r is not waste and r.strip()] + ["\n".join(reordered)]) + "\n\n"
    cut = "\n\n".join([r for r in records if r is not waste and r.strip()] + ["\n".join(reordered[:-1])]) + "\n"
    (tmp_path / "whole.ldif").write_text(whole, encoding="utf-8")
    (tmp_path / "cut.ldif").write_text(cut, encoding="utf-8")
    return tmp_path / "whole.ldif", tmp_path / "cut.ldif"


def test_a_scan_of_a_cut_export_says_so_and_calls_no_rule_clean(cut_sample, dlscan):
    whole, cut = cut_sample
    table = dlscan("scan", cut, "--fail-on", "never")
    assert table.code == 0, table.err
    assert "Completeness: cut.ldif ends inside an entry" in table.out
    assert "from an export that may be cut short." in table.out
    assert "Ran and found nothing" not in table.out
    html = dlscan("scan", cut, "-f", "html", "--fail-on", "never").out
    assert '<p id="completeness" class="notes">cut.ldif ends inside an entry' in html
    for source, expected in ((cut, "unproven"), (whole, "uncounted")):
        report = json.loads(dlscan("scan", source, "-f", "json", "--fail-on", "never").out)
        assert report["source"]["completeness"] == expected


def test_a_source_that_may_be_cut_short_leaves_every_rule_unjudged():
    whole = empty_scan_result()
    assert len(whole.summary.clean_rules(())) > 10
    source = dataclasses.replace(whole.summary.source, completeness=Completeness.UNPROVEN)
    summary = dataclasses.replace(whole.summary, source=source)
    assert summary.clean_rules(()) == ()
    assert all(summary.coverage_of(code).everything for code in summary.rules_run)
    assert "ends inside an entry" in summary.coverage_of("DL001").reason


def test_a_night_from_a_cut_export_resolves_nothing(cut_sample, tmp_path, dlscan):
    whole, cut = cut_sample
    config = tmp_path / "dlscan.toml"

    def night(source):
        config.write_text(f'[run]\ninput = "{source.as_posix()}"\nstate_dir = "state"\njson = "out.json"\n',
                          encoding="utf-8")  # fmt: skip
        return dlscan("run", "--config", config, "--fail-on", "never")

    assert night(whole).code == 0
    before = {f["finding_id"] for f in json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["findings"]}
    direct = dlscan("scan", cut, "-f", "json", "--fail-on", "never")
    gone = before - {f["finding_id"] for f in json.loads(direct.out)["findings"]}
    assert any(f.startswith("DL001-") for f in gone), gone  # the cut would have resolved the list's DL001
    outcome = night(cut)
    assert outcome.code == 0, outcome.err
    assert "ends inside an entry" in outcome.err
    rows = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert not [f for f in rows["findings"] if f["status"] == "resolved"]
    assert rows["run"]["counts"]["carried"] == len(gone)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"displayName: Finance\x00=HYPERLINK(1)\n", "holds a NUL character at column 21"),
        (b"displayName: Finance\rAll Staff\n", "holds a carriage return (CR) at column 21"),
        (b"displayName:: RmluYW5jZQBBbGw=\n", "the base64 value of 'displayname' holds a NUL character"),
    ],
    ids=["NUL", "lone CR", "NUL in base64"],
)
def test_a_value_with_nul_or_a_lone_cr_is_refused(write_ldif, dlscan, value, expected):
    path = write_ldif(b"dn: CN=Finance,DC=corp,DC=example\nobjectClass: group\nmail: f@corp.example\n" + value + b"\n")
    outcome = dlscan("scan", path)
    assert outcome.code == 2, outcome.err
    assert expected in outcome.err and outcome.err.count("\n") == 1, outcome.err


def test_a_lone_cr_in_a_utf16_export_is_refused_not_a_line_end(tmp_path, dlscan):
    text = "dn: CN=Finance,DC=corp,DC=example\r\nobjectClass: group\r\ndisplayName: Finance\rAll\r\n\r\n"
    path = tmp_path / "export.ldif"
    path.write_bytes(text.encode("utf-16"))
    outcome = dlscan("scan", path)
    assert outcome.code == 2 and "carriage return" in outcome.err, outcome.err


def test_a_crlf_export_reads_as_the_lf_one(tmp_path):
    lf = tmp_path / "lf.ldif"
    lf.write_text(ldapsearch_output(3), encoding="utf-8")
    crlf = tmp_path / "crlf.ldif"
    crlf.write_bytes(lf.read_bytes().replace(b"\n", b"\r\n"))
    assert [r.attributes for r in LdifExport(crlf)] == [r.attributes for r in LdifExport(lf)]
    assert completeness_of(crlf) is Completeness.WHOLE
