"""The LDIF reader on what AD tools really write, and on what goes wrong with exports."""

from __future__ import annotations

import base64
import gzip
import json
import uuid

import pytest

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.model import ListKind, RecipientKind
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.sources.dn import normalize_dn
from dlscan.sources.ldif import read_ldif
from dlscan.sources.ldif_write import format_record
from dlscan.support.errors import InputError


def test_folded_lines_base64_comments_and_crlf(tmp_path):
    name = "Zoë Brontë — Children's Services"
    encoded = base64.b64encode(name.encode()).decode()
    text = (
        "version: 1\r\n"
        "# exported by ldifde\r\n"
        "#  continued comment\r\n"
        "dn: CN=Zoe,OU=Staff,DC=corp,DC=exa\r\n"
        " mple\r\n"
        "objectClass: user\r\n"
        f"displayName:: {encoded[:20]}\r\n"
        f" {encoded[20:]}\r\n"
        "proxyAddresses: smtp:zoe@old.example\r\n"
        "proxyAddresses: SMTP:Zoe.Bronte@Corp.Example\r\n"
        "\r\n"
    )
    path = tmp_path / "x.ldif"
    path.write_bytes(text.encode())
    (record,) = read_ldif(path)
    assert record.dn == "CN=Zoe,OU=Staff,DC=corp,DC=example"
    assert record.attributes["displayname"] == [name]
    assert record.texts("proxyaddresses") == ["smtp:zoe@old.example", "SMTP:Zoe.Bronte@Corp.Example"]
    assert record.line == 4


def test_utf16_export_with_bom(tmp_path):
    text = "dn: CN=Siân,DC=corp,DC=example\r\nobjectClass: contact\r\nmail: sian@partner.example\r\n\r\n"
    path = tmp_path / "u.ldif"
    path.write_bytes(text.encode("utf-16"))
    (record,) = read_ldif(path)
    assert record.dn == "CN=Siân,DC=corp,DC=example"


def test_gzip_and_ad_mapping(tmp_path):
    guid = uuid.UUID("6f3c1e8a-0b7d-4f2a-9c11-2d3e4f506172")
    records = [
        format_record("DC=corp,DC=example", [("objectClass", "domainDNS")]),
        format_record(
            "CN=Smith\\, Ann,OU=Staff,DC=corp,DC=example",
            [
                ("objectClass", "user"),
                ("objectGUID", guid.bytes_le),
                ("displayName", "Ann Smith"),
                ("mail", "ann@corp.example"),
                ("proxyAddresses", "SMTP:Ann.Smith@corp.example"),
                ("userAccountControl", "514"),
            ],
        ),
        format_record(
            "CN=Team,DC=corp,DC=example",
            [
                ("objectClass", "group"),
                ("groupType", "-2147483640"),
                ("mail", "team@corp.example"),
                ("member", "cn=smith\\2c ann, ou=staff,dc=CORP,dc=example"),
                ("managedBy", "CN=Smith\\, Ann,OU=Staff,DC=corp,DC=example"),
                ("msExchRequireAuthToSendTo", "TRUE"),
                ("msExchHideFromAddressLists", "TRUE"),
            ],
        ),
    ]
    path = tmp_path / "export.ldif.gz"
    path.write_bytes(gzip.compress("".join(records).encode()))
    snapshot = load_source(path)
    ann = snapshot.recipients[str(guid)]
    assert ann.kind is RecipientKind.USER and ann.enabled is False
    assert ann.primary_address == "Ann.Smith@corp.example"
    (team,) = snapshot.lists.values()
    assert team.kind is ListKind.SECURITY
    assert team.members == (str(guid),) and team.owners == (str(guid),)
    assert team.accepts_external_senders is False and team.hidden_from_address_book is True
    assert [d.name for d in snapshot.internal_domains] == ["corp.example"]


def test_open_list_when_exchange_present_and_unknown_without_it(write_ldif):
    group = "dn: CN=G,DC=corp,DC=example\nobjectClass: group\nmail: g@corp.example\n\n"
    assert next(iter(load_source(write_ldif(group)).lists.values())).accepts_external_senders is None
    exchange = group.replace("objectClass: group\n", "objectClass: group\nmsExchRecipientTypeDetails: 256\n")
    assert next(iter(load_source(write_ldif(exchange)).lists.values())).accepts_external_senders is True
    restricted = exchange.replace("\n\n", "\nauthOrig: CN=Alice,OU=Staff,DC=corp,DC=example\n\n")
    assert next(iter(load_source(write_ldif(restricted)).lists.values())).accepts_external_senders is False


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CN=Smith\\, John,OU=X,DC=a", "cn=smith\\2C john, ou=x ,dc=A"),
        ("CN=\\C3\\A9mile,OU=X", "CN=émile,OU=X"),
        ('CN="Smith, John",OU=X', "CN=Smith\\, John,OU=X"),
        ("CN=O'Brien\\+Co,OU=X", "cn=o'brien\\2bco,ou=x"),
    ],
)
def test_dn_forms_compare_equal(a, b):
    assert normalize_dn(a) == normalize_dn(b)


def test_unresolved_member_is_recorded_when_allowed(write_ldif):
    body = (
        "dn: CN=G,DC=corp,DC=example\nobjectClass: group\nmail: g@corp.example\nmember: CN=Gone,DC=corp,DC=example\n\n"
    )
    snapshot = load_source(write_ldif(body), allow_unresolved=True)
    (group,) = snapshot.lists.values()
    (ref,) = group.members
    assert snapshot.recipients[ref].kind is RecipientKind.UNRESOLVED
    # A reference nobody could read is not counted as a recipient the scan looked at.
    summary = run_scan(snapshot, [], load_rule_pack(rule_specs())).summary
    assert summary.recipients == len(snapshot.recipients) - 1 > 0


MALFORMED = {
    "truncated mid-line": (b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\nmember: CN=Al", 12, "truncated"),
    "bad base64": (b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\ndisplayName:: ab$c\n\n", 12, "base64"),
    "missing dn": (b"objectClass: group\nmail: g@corp.example\n\n", 10, "instead of 'dn:'"),
    "member points nowhere": (
        b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\nmail: g@corp.example\n"
        b"member: CN=Nobody,DC=corp,DC=example\n\n",
        10,
        "is not in the export",
    ),
    "non-UTF-8 bytes": (b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\ndescription: caf\xe9\n\n", 12, "0xE9"),
    "ranged member read": (
        b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\n"
        b"member;range=0-1499: CN=Alice,OU=Staff,DC=corp,DC=example\n\n",
        12,
        "ranged retrieval",
    ),
    "ldapsearch size limit": (b"# search result\nsearch: 2\nresult: 4 Size limit exceeded\n\n", 12, "incomplete"),
    "base64 that is not text": (b"dn: CN=G,DC=corp,DC=example\nobjectClass: group\ncn:: /w==\n\n", 12, "not UTF-8"),
    "duplicate entry": (b"dn: CN=ALICE,ou=staff,DC=corp,DC=example\nobjectClass: user\n\n", 10, "appears twice"),
    "no colon": (b"dn: CN=G,DC=corp,DC=example\nthis is not ldif\n\n", 11, "expected 'attribute: value'"),
    "a fault before a byte that is not UTF-8": (
        b"dn: CN=G,DC=corp,DC=example\nthis is not ldif\nobjectClass: group\ndescription: caf\xe9\n\n",
        11,
        "expected 'attribute: value'",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_ldif_exits_2_with_one_line_naming_file_and_line(case, write_ldif, dlscan):
    body, line, fragment = MALFORMED[case]
    path = write_ldif(body)
    outcome = dlscan("scan", path)
    assert outcome.code == 2
    assert outcome.out == ""
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1, outcome.err
    assert lines[0].startswith(f"dlscan: error: {path}:{line}: ")
    assert fragment in lines[0]
    assert "Traceback" not in outcome.err


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        ("dn: CN=G,DC=corp,DC=example\nobjectClass: group\n\n".encode("utf-16")[:-1], 3, "cannot be decoded"),
        (b"\xef\xbb\xbf", 1, "ends in the middle of a line"),
    ],
    ids=["UTF-16 cut in the middle of a character", "a byte-order mark and nothing else"],
)
def test_a_damaged_file_is_named_with_its_line(data, line, fragment, tmp_path, dlscan):
    path = tmp_path / "export.ldif"
    path.write_bytes(data)
    outcome = dlscan("scan", path)
    assert outcome.code == 2 and "Traceback" not in outcome.err
    assert outcome.err.strip() == outcome.err.strip().splitlines()[0]
    assert f"{path}:{line}: " in outcome.err and fragment in outcome.err


def test_truncated_gzip_is_an_input_error(tmp_path, dlscan):
    from conftest import SAMPLE

    whole = gzip.compress(SAMPLE.read_bytes())
    path = tmp_path / "export.ldif.gz"
    path.write_bytes(whole[: len(whole) // 2])
    outcome = dlscan("scan", path)
    assert outcome.code == 2
    assert outcome.err.startswith(f"dlscan: error: {path}: cannot read the whole file")


BUILTIN = (
    "dn: CN=Pre-Windows 2000 Compatible Access,CN=Builtin,DC=corp,DC=example\nobjectClass: group\n"
    "member: CN=S-1-5-11,CN=ForeignSecurityPrincipals,DC=corp,DC=example\n\n"
)


def test_a_missing_member_of_a_group_mail_never_reaches_is_a_note(write_ldif, dlscan):
    """The DC's own export without its foreign security principals: the builtin group's S-1-5-11."""
    export = write_ldif(BUILTIN + "dn: CN=Team,DC=corp,DC=example\nobjectClass: group\nmail: team@corp.example\n"
                        "member: CN=Alice,OU=Staff,DC=corp,DC=example\n\n")  # fmt: skip
    outcome = dlscan("scan", export, "-f", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    notes = json.loads(outcome.out)["summary"]["not_evaluated"]
    assert any("groups that mail never reaches" in n and "S-1-5-11" in n for n in notes)


@pytest.mark.parametrize("nested", [False, True], ids=["in a mail-enabled list", "nested in one"])
def test_a_missing_member_that_mail_reaches_still_refuses_the_export(write_ldif, dlscan, nested):
    inner = "CN=Pre-Windows 2000 Compatible Access,CN=Builtin,DC=corp,DC=example"
    team = "dn: CN=Team,DC=corp,DC=example\nobjectClass: group\nmail: team@corp.example\n"
    team += f"member: {inner}\n\n" if nested else "member: CN=Gone,DC=corp,DC=example\n\n"
    outcome = dlscan("scan", write_ldif(BUILTIN + team), "--fail-on", "never")
    assert outcome.code == 2 and "is not in the export" in outcome.err
    assert ("S-1-5-11" if nested else "CN=Gone") in outcome.err


@pytest.mark.parametrize("block", [1, 7, 4096])
def test_the_records_do_not_depend_on_how_the_file_is_read(block, tmp_path, monkeypatch):
    """The reader decodes and splits many lines at once: a block that ends inside a line, a CRLF, a
    character of several bytes or a byte-order mark gives the records of one read of the whole file."""
    from conftest import ROOT

    import dlscan.sources.ldif_lines as ldif_lines

    original = (ROOT / "sample_data" / "wyvern.ldif").read_bytes()
    for variant, data in {
        "lf": original,
        "crlf": original.replace(b"\n", b"\r\n"),
        "bom": b"\xef\xbb\xbf" + original,
    }.items():
        path = tmp_path / f"{variant}.ldif"
        path.write_bytes(data)
        whole = [(r.dn, r.line, r.attributes) for r in read_ldif(path)]
        monkeypatch.setattr(ldif_lines, "_BLOCK", block)
        assert [(r.dn, r.line, r.attributes) for r in read_ldif(path)] == whole, variant
        monkeypatch.undo()
        assert any(not value.isascii() for _, _, attrs in whole for values in attrs.values() for value in values
                   if isinstance(value, str)), "the sample holds characters of several bytes"  # fmt: skip



def _read(tmp_path, data: bytes):
    path = tmp_path / "x.ldif"
    path.write_bytes(data)
    return list(read_ldif(path))


def test_a_folded_comment_is_one_comment(tmp_path):
    """RFC 2849: a comment may be folded like any line; its continuation is part of the comment."""
    (record,) = _read(
        tmp_path, b"# a comment folded\n  onto a second line\ndn: CN=G,DC=corp,DC=example\nobjectClass: group\n\n"
    )
    assert record.dn == "CN=G,DC=corp,DC=example" and record.line == 3


def test_a_continuation_with_nothing_to_continue_is_refused(tmp_path):
    with pytest.raises(InputError, match="expected 'attribute: value'") as caught:
        _read(tmp_path, b"dn: CN=A,DC=corp,DC=example\nobjectClass: group\n\n dn: CN=B,DC=corp,DC=example\n\n")
    assert caught.value.line == 4


def test_a_line_of_white_space_ends_a_record_as_a_blank_line_does(tmp_path):
    records = _read(
        tmp_path,
        b"dn: CN=A,DC=corp,DC=example\nobjectClass: group\n\t\ndn: CN=B,DC=corp,DC=example\nobjectClass: group\n\n",
    )
    assert [r.dn for r in records] == ["CN=A,DC=corp,DC=example", "CN=B,DC=corp,DC=example"]


def test_a_ranged_read_is_refused_after_a_whole_one_of_the_same_attribute(tmp_path):
    """The attribute descriptions read once are remembered whole, range option included."""
    data = (
        b"dn: CN=A,DC=corp,DC=example\nobjectClass: group\nmember: CN=X,DC=corp,DC=example\n\n"
        b"dn: CN=B,DC=corp,DC=example\nobjectClass: group\nmember;range=0-1499: CN=X,DC=corp,DC=example\n\n"
    )
    with pytest.raises(InputError, match="ranged retrieval") as caught:
        _read(tmp_path, data)
    assert caught.value.line == 7


def test_base64_text_of_an_attribute_dlscan_does_not_name_is_read_as_text(tmp_path):
    """ldifde writes any value that is not ASCII in base64; an attribute a dynamic list's filter may test
    (physicalDeliveryOfficeName) is text all the same, and a binary one (logonHours) stays bytes."""
    office = base64.b64encode("Café Annex".encode()).decode()
    (record,) = _read(
        tmp_path,
        f"dn: CN=A,DC=corp,DC=example\nobjectClass: user\nphysicalDeliveryOfficeName:: {office}\n"
        "logonHours:: ////\n\n".encode(),
    )
    assert record.attributes["physicaldeliveryofficename"] == ["Café Annex"]
    assert record.attributes["logonhours"] == [b"\xff\xff\xff"]
