"""`dlscan collect ad` against a real Active Directory: a Samba AD DC on loopback."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from ad_population import BIG_LIST_SIZE, GROUPS_OU, MAIL
from conftest import run_process
from samba_dc import ADMIN_DN, ADMIN_PASSWORD, BASE_DN, CONFIG_DN, REALM, TLS_NAME, SambaDC, samba_available

from dlscan.model import ListKind, RecipientKind
from dlscan.sources import load_source
from dlscan.sources.dn import normalize_dn
from dlscan.sources.ldap import ATTRIBUTES

pytestmark = pytest.mark.skipif(
    not samba_available() and not os.environ.get("CI") and not os.environ.get("DLSCAN_REQUIRE_SERVICES"),
    reason="Samba is not installed (tests/run.sh installs it, and then requires it)",
)


@pytest.fixture(scope="session")
def dc(tmp_path_factory):
    import ad_population

    # A serial below one, as Samba's own certificate has in about half its domains: see the warning test.
    controller = SambaDC(tmp_path_factory.mktemp("samba"), kdc=True, certificate_serial=-12345)
    controller.provision()
    controller.start()
    try:
        controller.extend_schema()
        ad_population.load()
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def collect(dc, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("DLSCAN_TEST_PASSWORD", ADMIN_PASSWORD)

    def run(
        *extra: str,
        server: str = "ldaps://127.0.0.1",
        output: Path | None = None,
        trusted: bool = True,
        user: str | None = ADMIN_DN,
        credentials: tuple[str, ...] = ("--password-env", "DLSCAN_TEST_PASSWORD"),
        ca_file: Path | None = None,
    ):
        target = output or tmp_path / "corp.json.gz"
        args = ["collect", "ad", "--server", server, *(["--user", user] if user else []), *credentials]
        if trusted:
            args += ["--ca-file", str(ca_file or dc.ca_file), "--tls-name", TLS_NAME]
        return dlscan(*args, *extra, "--output", target), target

    return run


def ldapsearch_export(
    folder: Path,
    *,
    principals: bool = True,
    counted: bool = False,
    host: str = "127.0.0.1",
    attributes: tuple[str, ...] | None = None,
) -> Path:
    """The same directory exported the way an admin would: ldapsearch, paged, LDIF; without the foreign
    security principals if asked, as an admin who filters on mail objects does. Counted, it is ldapsearch's
    extended LDIF, with its comments, referrals, result trailers and counts."""
    common = [
        "ldapsearch",
        *([] if counted else ["-LLL"]),
        "-x",
        "-H",
        f"ldap://{host}",
        "-D",
        ADMIN_DN,
        "-w",
        ADMIN_PASSWORD,
        "-o",
        "ldif-wrap=no",
    ]
    attributes = list(attributes or (*ATTRIBUTES, "member", "uPNSuffixes", "msExchAcceptedDomainName"))
    searches = [
        [
            "-b",
            BASE_DN,
            "-E",
            "pr=500/noprompt",
            "(|(objectClass=user)(objectClass=contact)(objectClass=group)(objectClass=msExchDynamicDistributionList)"
            + ("(objectClass=foreignSecurityPrincipal)" if principals else "")
            + "(objectClass=domainDNS))",
        ],
        ["-b", f"CN=Partitions,{CONFIG_DN}", "-s", "base", "(objectClass=*)"],
        ["-b", f"CN=Microsoft Exchange,CN=Services,{CONFIG_DN}", "(objectClass=msExchAcceptedDomain)"],
    ]
    export = folder / ("counted.ldif" if counted else "export.ldif")
    with export.open("w", encoding="utf-8") as out:
        for search in searches:
            done = subprocess.run([*common, *search, *attributes], capture_output=True, text=True, check=True)
            out.write(done.stdout.rstrip("\n") + "\n\n")
    return export


def findings(dlscan, source: Path, *extra: str) -> list[dict]:
    outcome = dlscan("scan", source, "--format", "json", "--fail-on", "never", *extra)
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)["findings"]


def test_an_export_without_principals_is_refused_only_for_a_list_mail_reaches(dc, dlscan, tmp_path):
    """The DC's own export without its foreign security principals. Its builtin "Pre-Windows 2000
    Compatible Access" group, which comes first, lists S-1-5-11 and is reached by no mail: it is not the
    reason for the refusal (it was). The mail-enabled Fostering Panel, which lists it too, is."""
    export = ldapsearch_export(tmp_path, principals=False)
    # The DC's order varies between provisions: the builtin group is put first, so that a refusal at the
    # first unresolved reference would name it.
    records = export.read_text(encoding="utf-8").split("\n\n")
    builtin = [r for r in records if r.startswith("dn: CN=Pre-Windows 2000 Compatible Access,")]
    assert len(builtin) == 1 and "S-1-5-11" in builtin[0]
    rest = [r for r in records if r not in builtin]
    export.write_text("\n\n".join(builtin + rest), encoding="utf-8")
    outcome = dlscan("scan", export, "--fail-on", "never")
    assert outcome.code == 2
    assert "S-1-5-11" in outcome.err and "of 'CN=Fostering Panel," in outcome.err, outcome.err


def test_collect_then_scan_equals_scanning_an_ldapsearch_export(collect, dlscan, tmp_path):
    outcome, snapshot = collect()
    assert outcome.code == 0, outcome.err
    assert "internal domains found in the directory" in outcome.err
    collected = findings(dlscan, snapshot)
    exported = findings(dlscan, ldapsearch_export(tmp_path))
    assert collected == exported
    assert findings(dlscan, ldapsearch_export(tmp_path, counted=True)) == exported
    codes = {f["code"] for f in collected}
    assert {"DL001", "DL002", "DL003", "DL007", "DL008", "DL009", "DL010", "DL012", "DL013", "DL015"} <= codes


def test_what_the_collector_reads(collect):
    outcome, path = collect("--page-size", "97", "--range-size", "700")
    assert outcome.code == 0, outcome.err
    snapshot = load_source(path)
    lists = {g.display_name: g for g in snapshot.lists.values()}
    assert len(lists["Everyone In Town"].members) == BIG_LIST_SIZE
    assert lists["Everyone In Town"].hidden_from_address_book is True
    assert lists["Public Enquiries"].accepts_external_senders is True
    assert lists["Fostering Panel"].accepts_external_senders is False  # authOrig restricts senders
    assert lists["Social Club"].mail_enabled is False
    assert {d.name for d in snapshot.internal_domains} == {MAIL, "legacy.example.test", "corp.example.test"}
    names = {r.display_name for r in snapshot.recipients.values()}
    assert {"Zoë Brontë", "Łukasz Nowak", 'Pat "Paddy" O\'Brien'} <= names
    kinds = {r.kind.value for r in snapshot.recipients.values()}
    assert "principal" in kinds


def test_members_outside_the_base_are_read_one_by_one(collect, dlscan, tmp_path):
    outcome, path = collect("--base-dn", GROUPS_OU)
    assert outcome.code == 0, outcome.err
    snapshot = load_source(path)
    team = next(g for g in snapshot.lists.values() if g.display_name == "Team Ä")
    assert all(snapshot.recipients[m].kind.value == "user" for m in team.members)


def test_every_member_outside_the_base_is_read_nested_groups_included(dc, collect):
    """A list under the base nests a group outside it, whose member is outside too: both are read (they
    were once capped at 10,000 lookups, in one pass, and the rest counted as unresolved)."""
    import ldap3
    from ad_population import STAFF_OU, USERS

    connection = ldap3.Connection(ldap3.Server("127.0.0.1", port=389, get_info=ldap3.NONE), ADMIN_DN,
                                  ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True)  # fmt: skip
    lists_ou, groups_ou = f"OU=Lists Elsewhere,{BASE_DN}", f"OU=Groups Elsewhere,{BASE_DN}"
    inner, outer = f"CN=Inner Team,{groups_ou}", f"CN=Outer List,{lists_ou}"
    member = f"CN={USERS[0][0]},{STAFF_OU}"
    try:
        for ou in (lists_ou, groups_ou):
            connection.add(ou, ["top", "organizationalUnit"])
        connection.add(inner, ["top", "group"], {"groupType": "-2147483646", "member": [member]})
        connection.add(outer, ["top", "group"], {"mail": f"outer.list@{MAIL}", "member": [inner]})
        outcome, path = collect("--base-dn", lists_ou)
        assert outcome.code == 0, outcome.err
        snapshot = load_source(path)
        lists = {g.display_name: g for g in snapshot.lists.values()}
        assert [snapshot.lists[m].display_name for m in lists["Outer List"].members] == ["Inner Team"]
        (user,) = (snapshot.recipients[m] for m in lists["Inner Team"].members)
        assert user.kind.value == "user" and user.display_name == USERS[0][0]
    finally:
        for dn in (outer, inner, lists_ou, groups_ou):
            connection.delete(dn)
        connection.unbind()


def test_wrong_password_is_one_line_and_never_echoed(collect, monkeypatch):
    monkeypatch.setenv("DLSCAN_TEST_PASSWORD", "Wr0ng-and-Secret!")
    outcome, path = collect()
    assert outcome.code == 2
    assert outcome.err.count("\n") == 1 and "wrong user or password" in outcome.err
    assert "Wr0ng-and-Secret!" not in outcome.err + outcome.out
    assert not path.exists()


def test_untrusted_certificate_is_refused_without_a_ca_file(collect):
    outcome, path = collect(trusted=False)
    assert outcome.code == 2 and "not trusted" in outcome.err and "--ca-file" in outcome.err
    assert not path.exists()


def test_plain_ldap_needs_starttls_or_a_loud_flag(collect):
    outcome, _ = collect(server="ldap://127.0.0.1")
    assert outcome.code == 2 and "--insecure-plain-ldap" in outcome.err
    outcome, _ = collect("--starttls", server="ldap://127.0.0.1")
    assert outcome.code == 0, outcome.err
    outcome, _ = collect("--insecure-plain-ldap", server="ldap://127.0.0.1", trusted=False)
    assert outcome.code == 0 and "clear text" in outcome.err


def test_failover_to_the_next_server(collect):
    outcome, _ = collect("--server", "ldaps://127.0.0.1", "--timeout", "2", server="ldaps://127.0.0.1:6399")
    assert outcome.code == 0, outcome.err


class CuttingProxy:
    """Forwards loopback TCP to the DC; cuts the first `cuts` connections that pass `cut_after` bytes."""

    def __init__(self, target_port: int, cut_after: int, cuts: int) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target_port, self.cut_after, self.cuts_left = target_port, cut_after, cuts
        self.cuts_made = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, self.cut_after), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                sent += len(data)
                # Only connections that carry that much are cut: ldap3 first probes with an empty one.
                if limit is not None and sent >= limit and self.cuts_left > 0:
                    self.cuts_left -= 1
                    self.cuts_made += 1
                    break
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def close(self) -> None:
        # Closing alone does not wake a thread blocked in accept(); shutting the socket down does.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        self._thread.join(timeout=10)


def test_a_dropped_connection_is_reopened_and_the_search_restarted(collect, dlscan):
    proxy = CuttingProxy(636, cut_after=200_000, cuts=1)
    try:
        outcome, path = collect("--page-size", "200", server=f"ldaps://127.0.0.1:{proxy.port}")
    finally:
        proxy.close()
    assert outcome.code == 0, outcome.err
    assert proxy.cuts_made == 1, "the proxy must really have cut the collection short"
    _, direct_path = collect(output=path.with_name("direct.json.gz"))
    assert findings(dlscan, path) == findings(dlscan, direct_path)


def test_a_server_that_keeps_dropping_fails_cleanly_and_writes_nothing(collect, tmp_path):
    proxy = CuttingProxy(636, cut_after=200_000, cuts=100)
    try:
        existing = tmp_path / "yesterday.json"
        existing.write_text("yesterday's snapshot")
        outcome, _ = collect(
            "--page-size",
            "200",
            "--retries",
            "2",
            "--timeout",
            "5",
            server=f"ldaps://127.0.0.1:{proxy.port}",
            output=existing,
        )
    finally:
        proxy.close()
    assert outcome.code == 2
    assert proxy.cuts_made >= 3
    assert "collection failed, nothing written" in outcome.err
    assert existing.read_text() == "yesterday's snapshot"
    assert [p.name for p in tmp_path.iterdir()] == ["yesterday.json"]


def test_recipient_slices_select_exactly_what_the_whole_filter_selects(dc):
    import ldap3

    from dlscan.sources.ldap import RECIPIENT_FILTER, recipient_slices

    connection = ldap3.Connection(
        ldap3.Server("127.0.0.1", get_info=ldap3.NONE), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True
    )

    def dns(search_filter: str) -> list[str]:
        found = connection.extend.standard.paged_search(BASE_DN, search_filter, attributes=["cn"], paged_size=1000)
        return [e["dn"] for e in found if e.get("type") == "searchResEntry"]

    whole = dns(RECIPIENT_FILTER)
    sliced = [dn for f in recipient_slices(RECIPIENT_FILTER) for dn in dns(f)]
    assert len(whole) > BIG_LIST_SIZE
    assert sorted(sliced) == sorted(whole)  # every entry once: none lost, none twice


def test_a_base_dn_with_filter_characters_is_a_dn_not_a_filter(dc, collect):
    """dlscan's filters are constants; user input (the base DN) never becomes part of one."""
    import ldap3

    odd = f"OU=Sales (EMEA)*\\2C Ltd,{BASE_DN}"
    connection = ldap3.Connection(
        ldap3.Server("127.0.0.1", get_info=ldap3.NONE), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True
    )
    connection.add(odd, ["top", "organizationalUnit"])
    connection.add(f"CN=Desk,{odd}", ["top", "group"], {"groupType": "8", "mail": f"desk@{MAIL}"})
    outcome, path = collect("--base-dn", odd)
    assert outcome.code == 0, outcome.err
    assert [g.display_name for g in load_source(path).lists.values()] == ["Desk"]


@pytest.fixture(scope="module")
def council_dc(tmp_path_factory, dc):
    """A second DC, on 127.0.0.2, holding the sample council replayed from its LDIF export."""
    from conftest import SAMPLE
    from ldif_to_dc import load_ldif

    controller = SambaDC(tmp_path_factory.mktemp("council"), address="127.0.0.2")
    controller.provision()
    controller.start()
    try:
        controller.extend_schema()
        controller.renamed = load_ldif(SAMPLE, "127.0.0.2")
        yield controller
    finally:
        controller.stop()


def _content(found: list[dict]) -> list[tuple]:
    """What findings say, without the ids a directory assigns (replayed objects get new objectGUIDs)."""
    return sorted(
        (f["code"], f["severity"], f["list"], f["list_address"], f["related"], f["detail"], tuple(f["path"]))
        for f in found
    )


def test_an_export_loaded_into_a_dc_and_collected_gives_the_offline_findings(council_dc, collect, dlscan):
    from conftest import SAMPLE

    outcome, snapshot = collect(server="ldaps://127.0.0.2", ca_file=council_dc.ca_file)
    assert outcome.code == 0, outcome.err
    offline = findings(dlscan, SAMPLE)
    assert len(offline) > 30
    for finding in offline:
        for old, new in council_dc.renamed.items():
            finding.update({k: v.replace(old, new) for k, v in finding.items() if isinstance(v, str)})
    assert _content(findings(dlscan, snapshot)) == _content(offline)
    # What an organisation boundary tests is read over LDAP too (AD's company is companyName here).
    companies = {r.attribute("companyName") for r in load_source(snapshot).recipients.values()}
    assert {"Wyvern Borough Council", "Wyvern Police"} <= companies


def test_dynamic_lists_expand_to_what_the_dc_answers_for_their_filters(council_dc, tmp_path):
    """The DC is the reference for the evaluator: each dynamic list read from the DC's own export has the
    members that the DC returns for the list's filter under its base."""
    export = ldapsearch_export(tmp_path, host="127.0.0.2", attributes=("*",))
    snapshot = load_source(export)
    dynamic = {x.display_name: x for x in snapshot.lists.values() if x.kind is ListKind.DYNAMIC}
    assert sorted(dynamic) == ["Active Mailboxes", "Staff Briefing"]
    dn_of = {i: o.dn for i, o in (*snapshot.recipients.items(), *snapshot.lists.items())}
    for group in dynamic.values():
        wanted = ("msExchDynamicDLFilter", "msExchDynamicDLBaseDN")
        (entry,) = _dc_search("127.0.0.2", group.dn, "(objectClass=*)", *wanted, base_only=True)
        answer = _dc_search("127.0.0.2", entry["msexchdynamicdlbasedn"][0], entry["msexchdynamicdlfilter"][0], "1.1")
        assert len(answer) > 20, group.display_name
        assert {normalize_dn(dn_of[m]) for m in group.members} == {normalize_dn(e["dn"]) for e in answer}
    # The bitwise rule leaves the disabled accounts out; the other list lets every mail contact in, and
    # says by which clause.
    disabled = {i for i, r in snapshot.recipients.items() if r.enabled is False and r.primary_address}
    assert disabled and not disabled & set(dynamic["Active Mailboxes"].members)
    assert disabled <= set(dynamic["Staff Briefing"].members)
    contacts = {i for i, r in snapshot.recipients.items() if r.kind is RecipientKind.CONTACT}
    assert [(a.clause, set(a.members)) for a in dynamic["Staff Briefing"].admitted_by] == [
        ("(&(objectCategory=person)(objectClass=contact))", contacts)
    ]


REFERENCE_FILTERS = {
    "a class's short name stands for its category (user is filed under Person)": "(&(objectCategory=user)(mail=*))",
    "substring, initial": "(&(objectClass=user)(cn=a*))",
    "substring, any": "(&(mail=*)(displayName=*son*))",
    "substring, final, with a colon": "(&(objectClass=contact)(targetAddress=smtp:*.uk))",
    "ordering of text": "(&(mail=*)(sn<=F))",
    "ordering of numbers": "(&(objectClass=user)(userAccountControl>=546))",
    "bitwise OR on a negative groupType": "(&(mail=*)(groupType:1.2.840.113556.1.4.804:=2147483656))",
    "bitwise AND, negated": "(&(objectCategory=group)(!(groupType:1.2.840.113556.1.4.803:=2147483648)))",
    "bitwise AND of two bits, all of them": "(&(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=514))",
    "substring with a middle part": "(&(objectClass=contact)(mail=*.*@*.uk))",
    "equality without regard to case": "(department=children's SERVICES)",
    "negated equality on a number": "(&(mail=*)(!(msExchRecipientTypeDetails=64)))",
    "a DN compared as a DN": None,  # the first list's owner, written in another case
}


@pytest.mark.parametrize("name", REFERENCE_FILTERS)
def test_the_evaluator_answers_as_the_dc_does(council_dc, tmp_path, name):
    """Each filter put on a dynamic list of dlscan's export, and the same filter asked of the DC."""
    export = ldapsearch_export(tmp_path, host="127.0.0.2", attributes=("*",))
    search_filter = REFERENCE_FILTERS[name]
    if search_filter is None:
        owner = next(line for line in export.read_text(encoding="utf-8").splitlines() if line.startswith("managedBy: "))
        # In a filter a DN's own backslashes are escaped again (RFC 4515): `\,` is written `\5c,`.
        value = owner.removeprefix("managedBy: ").swapcase().replace("\\", "\\5c")
        search_filter = f"(managedBy={value})"
    entry = (
        f"dn: CN=Reference,CN=Users,{BASE_DN}\nobjectClass: top\nobjectClass: msExchDynamicDistributionList\n"
        f"mail: reference@{MAIL}\nmsExchDynamicDLBaseDN: {BASE_DN}\nmsExchDynamicDLFilter: {search_filter}\n"
    )
    export.write_text(export.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + entry, encoding="utf-8")
    snapshot = load_source(export)
    (reference,) = (x for x in snapshot.lists.values() if x.display_name == "Reference")
    assert reference.filter_gap is None and reference.members_known
    read = {normalize_dn(o.dn): i for i, o in (*snapshot.recipients.items(), *snapshot.lists.items()) if o.dn}
    answer = {normalize_dn(e["dn"]) for e in _dc_search("127.0.0.2", BASE_DN, search_filter, "1.1")}
    assert answer, "the DC selects nobody: the case tests nothing"
    assert {read[dn] for dn in answer if dn in read} == set(reference.members)


def test_what_dlscan_cannot_evaluate_leaves_the_list_unjudged(council_dc, tmp_path, dlscan):
    export = ldapsearch_export(tmp_path, host="127.0.0.2", attributes=("*",))
    cases = {
        "Approximate": "(cn~=smith)",
        "In Chain": f"(memberOf:1.2.840.113556.1.4.1941:=CN=All Staff,OU=Groups,{BASE_DN})",
        "Unexported": "(&(objectClass=user)(extensionAttribute9=*))",
        "Broken": "(&(objectClass=user)",
    }
    entries = "".join(
        f"dn: CN={name},CN=Users,{BASE_DN}\nobjectClass: msExchDynamicDistributionList\ndisplayName: {name}\n"
        f"mail: {name.lower().replace(' ', '')}@{MAIL}\nmsExchDynamicDLFilter: {text}\n\n"
        for name, text in cases.items()
    )
    export.write_text(export.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + entries, encoding="utf-8")
    lists = {x.display_name: x for x in load_source(export).lists.values()}
    gaps = {name: lists[name].filter_gap for name in cases}
    assert all(gap is not None and not lists[name].members_known for name, gap in gaps.items())
    assert gaps["Approximate"].clause == "(cn~=smith)" and "approximate" in gaps["Approximate"].reason
    assert "1.2.840.113556.1.4.1941" in gaps["In Chain"].reason
    assert gaps["Unexported"].clause == "(extensionAttribute9=*)" and "extensionattribute9" in gaps["Unexported"].reason
    assert gaps["Broken"].clause == cases["Broken"]
    outcome = dlscan("scan", export, "--format", "json", "--fail-on", "never")
    found = json.loads(outcome.out)
    assert not [f for f in found["findings"] if f["list"] in cases and f["code"] == "DL012"]  # never "empty"
    unjudged = {o for c in found["summary"]["unjudged"] if c["code"] == "DL001" for o in c["objects"]}
    assert {lists[name].id for name in cases} <= unjudged


def test_dynamic_lists_collected_live_give_the_findings_of_the_dc_s_export(council_dc, collect, dlscan, tmp_path):
    outcome, snapshot = collect(server="ldaps://127.0.0.2", ca_file=council_dc.ca_file)
    assert outcome.code == 0, outcome.err
    live = findings(dlscan, snapshot)
    export = ldapsearch_export(tmp_path, host="127.0.0.2", attributes=("*",))
    assert _content(live) == _content(findings(dlscan, export))
    assert [f["list"] for f in live if f["code"] == "DL021"] == ["Staff Briefing"]


def _dc_search(host: str, base: str, search_filter: str, *attributes: str, base_only: bool = False) -> list[dict]:
    """The DC's own answer, through ldapsearch: each entry's DN and attributes (lower-case names)."""
    command = ["ldapsearch", "-LLL", "-x", "-H", f"ldap://{host}", "-D", ADMIN_DN, "-w", ADMIN_PASSWORD]
    command += ["-o", "ldif-wrap=no", "-b", base, *(["-s", "base"] if base_only else []), search_filter, *attributes]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    entries = []
    for block in filter(None, done.stdout.strip().split("\n\n")):
        entry: dict = {}
        for line in block.splitlines():
            if line.startswith("#"):  # a search reference (refldap://...) to another partition
                continue
            name, _, value = line.partition(": ")
            if name.endswith(":"):  # base64, as ldapsearch writes values that are not plain ASCII
                name, value = name[:-1], base64.b64decode(value).decode("utf-8")
            entry.setdefault(name.lower(), []).append(value)
        if "dn" in entry:
            entry["dn"] = entry["dn"][0]
            entries.append(entry)
    return entries


@pytest.mark.parametrize("user", ["Administrator@corp.example.test", "CORP\\Administrator"])
def test_simple_bind_as_upn_or_domain_user(collect, user, tmp_path):
    outcome, target = collect(user=user, output=tmp_path / "bound.json")  # plain JSON, so the search below means it
    assert outcome.code == 0, outcome.err
    assert ADMIN_PASSWORD not in target.read_text(encoding="utf-8")


def test_collection_from_the_config_file_alone(dc, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("DLSCAN_TEST_PASSWORD", ADMIN_PASSWORD)
    (tmp_path / "dlscan.toml").write_text(
        "[collect.ad]\n"
        'servers = ["ldaps://127.0.0.1"]\n'
        f'user = "{ADMIN_DN}"\n'
        'password_env = "DLSCAN_TEST_PASSWORD"\n'
        f'ca_file = "{dc.ca_file}"\n'
        f'tls_name = "{TLS_NAME}"\n'
        'output = "snapshots/corp.json.gz"\n',
        encoding="utf-8",
    )
    (tmp_path / "snapshots").mkdir()
    outcome = dlscan("collect", "ad", "--config", tmp_path / "dlscan.toml")
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "snapshots" / "corp.json.gz").exists()


def test_a_server_that_never_answers_times_out(collect, tmp_path):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never replies
    try:
        outcome, path = collect(
            "--timeout", "1", "--retries", "0", server=f"ldaps://127.0.0.1:{silent.getsockname()[1]}"
        )
    finally:
        silent.close()
    assert outcome.code == 2 and "nothing written" in outcome.err
    assert outcome.err.count("\n") == 1
    assert not path.exists()


def test_password_from_a_file(collect, tmp_path):
    secret = tmp_path / "password"
    secret.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    outcome, _ = collect(credentials=("--password-file", str(secret)))
    assert outcome.code == 0, outcome.err


@pytest.fixture(scope="module")
def krb5_conf(dc, tmp_path_factory) -> Path:
    """The DC's LDAP service named for Kerberos, once, and a krb5.conf that finds its KDC."""
    return dc.serve_kerberos(tmp_path_factory.mktemp("kerberos"))


@pytest.fixture
def kerberos(krb5_conf, tmp_path, monkeypatch):
    """The DC's own KDC, and an empty credential cache of the test's: the `kinit` returned fills it, as an
    administrator would before a scheduled collection."""
    monkeypatch.setenv("KRB5_CONFIG", str(krb5_conf))
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'ccache'}")

    def kinit() -> None:
        done = subprocess.run(
            ["kinit", f"Administrator@{REALM}"], input=ADMIN_PASSWORD + "\n", capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    return kinit


def test_kerberos_bind_with_a_ticket_collects_what_a_password_bind_does(collect, kerberos, tmp_path):
    outcome, path = collect("--kerberos", user=None, credentials=(), output=tmp_path / "ticketless.json")
    assert outcome.code == 2 and outcome.err.count("\n") == 1, outcome.err
    assert "no ticket" in outcome.err and "kinit" in outcome.err and not path.exists()
    kerberos()
    outcome, by_ticket = collect("--kerberos", user=None, credentials=(), output=tmp_path / "ticket.json")
    assert outcome.code == 0, outcome.err
    outcome, by_password = collect(output=tmp_path / "password.json")
    assert outcome.code == 0, outcome.err
    ticket, password = load_source(by_ticket), load_source(by_password)
    assert ticket.recipients == password.recipients and ticket.lists == password.lists
    assert len(ticket.recipients) > 100


def test_kerberos_to_a_name_the_domain_has_no_service_for_is_one_line(collect, kerberos, tmp_path):
    kerberos()
    # Reached by its address, without --tls-name, the ticket is asked for ldap/127.0.0.1: unknown.
    outcome, path = collect(
        "--kerberos", "--insecure-plain-ldap", user=None, credentials=(), server="ldap://127.0.0.1", trusted=False
    )
    warning, error = outcome.err.splitlines()
    assert outcome.code == 2 and "clear text" in warning and "password" not in warning, outcome.err
    assert "ldap/127.0.0.1" in error and "--tls-name" in error and not path.exists()


def test_kerberos_without_the_extra_installed_says_how_to_install_it(collect, kerberos, monkeypatch):
    kerberos()
    # As on a machine without the extra: neither Kerberos package can be imported.
    for module in ("gssapi", "winkerberos"):
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.delitem(sys.modules, "ldap3.protocol.sasl.kerberos", raising=False)
    outcome, path = collect("--kerberos", user=None, credentials=())
    assert outcome.code == 2 and outcome.err.count("\n") == 1, outcome.err
    assert "pip install 'dlscan[kerberos]'" in outcome.err and not path.exists()


def test_a_library_warning_reaches_the_job_as_one_line_of_dlscan_s(dc, kerberos, tmp_path):
    """When ldap3 reads the server's certificate for Kerberos' channel binding, the cryptography package
    warns of its serial number below one (the test DC's, as Samba's own certificate has in about half its
    domains): a scheduled job's mail gets one line of dlscan's, not Python's two."""
    kerberos()
    outcome = run_process(
        "collect", "ad", "--server", "ldaps://127.0.0.1", "--kerberos", "--ca-file", dc.ca_file,
        "--tls-name", TLS_NAME, "--output", tmp_path / "corp.json",
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    assert all(line.startswith("dlscan: ") for line in outcome.err.splitlines()), outcome.err
    warned = [line for line in outcome.err.splitlines() if "serial number" in line]
    assert len(warned) == 1, outcome.err
    assert warned[0].startswith("dlscan: warning: ") and warned[0].endswith("Warning)")


def test_ldapsearch_s_own_counts_prove_its_export_whole_and_show_every_cut(dc, tmp_path):
    """The DC's answer as ldapsearch writes it: counted (paged, with AD's referrals) it is whole, and every
    cut before its closing counts is refused; with -LLL it counts nothing, and says so."""
    from dlscan.model import Completeness
    from dlscan.sources.ldif import LdifExport
    from dlscan.support.errors import InputError

    def completeness(path: Path):
        export = LdifExport(path)
        entries = sum(1 for _ in export)
        return export.completeness, entries

    counted = ldapsearch_export(tmp_path, counted=True)
    assert completeness(counted)[0] is Completeness.WHOLE
    assert completeness(ldapsearch_export(tmp_path))[0] is Completeness.UNCOUNTED
    lines = counted.read_text(encoding="utf-8").splitlines(keepends=True)
    assert any(line.startswith("ref: ldap://") for line in lines)  # AD's referrals, as 'ref:' blocks
    opened = [n for n, line in enumerate(lines) if line.startswith("# LDAPv3")]
    closed = [n for n, line in enumerate(lines) if line.startswith("# numResponses:")]
    cut = tmp_path / "cut.ldif"
    refused = 0
    for keep in sorted({*range(opened[-1], len(lines) + 1), *range(3, len(lines), 4999)}):
        cut.write_text("".join(lines[:keep]), encoding="utf-8")
        inside_a_search = max(n for n in opened if n < keep) > max((n for n in closed if n < keep), default=-1)
        if inside_a_search:
            with pytest.raises(InputError, match="ends without its closing counts"):
                completeness(cut)
            refused += 1
        else:
            assert completeness(cut)[0] is Completeness.WHOLE, keep
    assert refused > 15
    entry = next(n for n, line in enumerate(lines) if line.startswith("dn: CN=Fostering Panel,"))
    end = next(n for n in range(entry, len(lines)) if not lines[n].strip())
    cut.write_text("".join(lines[:entry] + lines[end + 1 :]), encoding="utf-8")
    with pytest.raises(InputError, match=r"ldapsearch counted .* entries in this search, but the file holds"):
        completeness(cut)
