"""Exchange's dynamic lists read from an LDIF export, without a directory server: what is kept for their
filters, and what happens when it was not. tests/test_ldap.py checks the evaluator against a Samba DC."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from dlscan.model import ListKind, SourceInfo
from dlscan.sources import load_source
from dlscan.sources.ad import AdSnapshotBuilder
from dlscan.sources.ldif import read_ldif

CONTACT = """dn: CN=Bob,OU=Contacts,DC=corp,DC=example
objectClass: contact
mail: bob@partner.example
targetAddress: SMTP:bob@partner.example

"""


def _dynamic(ldap_filter: str, *, classes: str = "objectClass: msExchDynamicDistributionList\n") -> str:
    return (
        f"dn: CN=Everyone,OU=Lists,DC=corp,DC=example\n{classes}mail: everyone@corp.example\n"
        f"msExchDynamicDLBaseDN: DC=corp,DC=example\nmsExchDynamicDLFilter: {ldap_filter}\n\n"
    )


def _everyone(path):
    (found,) = (x for x in load_source(path).lists.values() if x.display_name == "Everyone")
    return found


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_dynamic_list_takes_the_members_its_filter_selects(write_ldif, compressed):
    path = write_ldif(CONTACT + _dynamic("(mail=*)"))
    if compressed:
        path = path.with_suffix(".ldif.gz")
        path.write_bytes(gzip.compress(write_ldif(CONTACT + _dynamic("(mail=*)")).read_bytes()))
    group = _everyone(path)
    assert group.kind is ListKind.DYNAMIC and group.members_known and group.filter_gap is None
    assert len(group.members) == 2  # Alice and Bob, not the list itself, whose mail the filter also matches
    assert [(a.clause, len(a.members)) for a in group.admitted_by] == [("(mail=*)", 1)]


def test_a_class_written_in_base64_is_still_found(write_ldif):
    encoded = base64.b64encode(b"msExchDynamicDistributionList").decode()
    group = _everyone(write_ldif(CONTACT + _dynamic("(mail=*)", classes=f"objectClass:: {encoded}\n")))
    assert group.members_known and len(group.members) == 2


def test_an_attribute_no_entry_carries_leaves_the_list_unjudged_not_empty(write_ldif):
    group = _everyone(write_ldif(CONTACT + _dynamic("(&(mail=*)(department=Finance))")))
    assert not group.members_known and group.members == ()
    assert group.filter_gap.clause == "(department=Finance)" and "department" in group.filter_gap.reason


def test_a_source_read_without_filter_values_says_so(write_ldif):
    path = write_ldif(CONTACT + _dynamic("(mail=*)"))
    builder = AdSnapshotBuilder(origin="x", source=SourceInfo(kind="ldif", name="x"), keeps_filter_values=False)
    (group,) = (x for x in builder.add_all(read_ldif(path)).build().lists.values())
    assert not group.members_known and "without the values" in group.filter_gap.reason


def test_the_summary_names_the_clause_it_could_not_evaluate(write_ldif, dlscan):
    path = write_ldif(CONTACT + _dynamic("(&(mail=*)(cn~=everyone))"))
    outcome = dlscan("scan", path, "--format", "json", "--fail-on", "never")
    notes = json.loads(outcome.out)["summary"]["not_evaluated"]
    assert any(
        "could not evaluate the filter of 1 dynamic list: 'Everyone': (cn~=everyone) (approximate matching" in n
        for n in notes
    ), notes


@pytest.mark.parametrize(
    ("ldap_filter", "bob_in"),
    [
        ("(cn=b*ob*b)", False),  # the parts of a substring never overlap: "Bob" is not "b", "ob" and "b"
        ("(cn=b*b)", True),
        ("(department>=100)", True),  # a text attribute orders as text: "20" sorts after "100"
        ("(department<=100)", False),
    ],
)
def test_substrings_and_orderings_as_ad_compares_them(write_ldif, ldap_filter, bob_in):
    contact = CONTACT.replace("targetAddress", "cn: Bob\ndepartment: 20\ntargetAddress")
    group = _everyone(write_ldif(contact + _dynamic(f"(&(mail=*){ldap_filter})")))
    assert (
        group.members_known
        and any(m.endswith("cn=bob,ou=contacts,dc=corp,dc=example") for m in group.members) is bob_in
    )


@pytest.mark.parametrize(
    ("ldap_filter", "said"),
    [
        ("(anr=smith)", "ambiguous name resolution"),
        ("(mail:1.2.840.113556.1.4.803:=two)", "needs a whole number"),
    ],
)
def test_what_the_server_alone_can_judge_is_a_gap(write_ldif, ldap_filter, said):
    group = _everyone(write_ldif(CONTACT + _dynamic(f"(&(mail=*)(!{ldap_filter}))")))
    assert not group.members_known and said in group.filter_gap.reason


def test_the_base_dn_bounds_the_list(write_ldif):
    """Alice is under OU=Staff, Bob under OU=Contacts: a list based on OU=Staff takes Alice alone."""
    text = _dynamic("(mail=*)").replace(
        "msExchDynamicDLBaseDN: DC=corp,DC=example", "msExchDynamicDLBaseDN: OU=Staff,DC=corp,DC=example"
    )
    group = _everyone(write_ldif(CONTACT + text))
    assert group.members == ("dn:cn=alice,ou=staff,dc=corp,dc=example",)


def test_the_clause_quoted_is_the_first_alternative_the_member_passed(write_ldif):
    group = _everyone(write_ldif(CONTACT + _dynamic("(&(!(mail=nobody@x.example))(|(objectClass=contact)(mail=*)))")))
    assert [(a.clause, len(a.members)) for a in group.admitted_by] == [("(objectClass=contact)", 1)]


@pytest.mark.parametrize("written", ["base64", "folded", "crlf"])
def test_a_filter_however_ldif_writes_it_is_read_before_the_entries(write_ldif, written):
    """The byte search before reading finds what the filter tests (so those values are kept) whether the
    line is base64, folded at 76 columns as ldifde folds, or ends in CRLF."""
    text = "(&(mail=*)(objectClass=contact))"
    entry = _dynamic(text)
    if written == "base64":
        entry = entry.replace(
            f"msExchDynamicDLFilter: {text}", f"msExchDynamicDLFilter:: {base64.b64encode(text.encode()).decode()}"
        )
    elif written == "folded":
        entry = entry.replace(f"msExchDynamicDLFilter: {text}", f"msExchDynamicDLFilter: {text[:12]}\n {text[12:]}")
    else:
        entry = entry.replace("\n", "\r\n")
    group = _everyone(write_ldif(CONTACT + entry))
    assert group.members_known and group.members == ("dn:cn=bob,ou=contacts,dc=corp,dc=example",)
