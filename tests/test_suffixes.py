"""Public suffixes looked up in sets agree with tldextract's extractor, the reference, on every rule."""

from __future__ import annotations

import pytest
import tldextract

from dlscan.checks.addresses import DomainComparer
from dlscan.matching.suffixes import PublicSuffixes


@pytest.fixture(scope="module")
def suffixes() -> PublicSuffixes:
    return PublicSuffixes.bundled()


@pytest.fixture(scope="module")
def reference() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), include_psl_private_domains=False)


def _domains_of_every_rule() -> list[str]:
    """Each ICANN rule with one and two labels put before it, wildcards filled in, exceptions as the
    names they exempt; each also in capitals, and each internationalised rule in its xn-- spelling."""
    rules = PublicSuffixes.bundled()._rules
    domains = []
    for rule in sorted(rules):
        name = rule.lstrip("!").replace("*", "wild")
        for domain in (f"wyvern.{name}", f"mail.wyvern.{name}", name):
            domains.append(domain)
            domains.append(domain.upper())
            if not domain.isascii():
                domains.append(domain.encode("idna").decode("ascii"))
    return domains


def test_the_rules_are_the_icann_section_tldextract_reads(tmp_path, monkeypatch):
    from importlib import resources

    from tldextract.suffix_list import extract_tlds_from_suffix_list

    from dlscan.support import datacache

    public, _ = extract_tlds_from_suffix_list((resources.files("tldextract") / ".tld_set_snapshot").read_text("utf-8"))
    monkeypatch.setenv(datacache.CACHE_DIR_VARIABLE, str(tmp_path))
    assert PublicSuffixes.bundled()._rules == frozenset(public)  # derived, and kept
    (kept,) = tmp_path.glob("public-suffixes-*.json")
    assert PublicSuffixes.bundled()._rules == frozenset(public)  # read back from the cache folder
    assert kept.stat().st_size > 10_000


def test_every_rule_splits_as_tldextract_splits_it(suffixes, reference):
    domains = _domains_of_every_rule()
    assert len(domains) > 20_000
    differing = []
    for domain in domains:
        parts = reference(domain)
        expected = (parts.domain, parts.suffix) if parts.suffix else None
        if suffixes.split(domain) != expected:
            differing.append((domain, suffixes.split(domain), expected))
    assert differing == []


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("wyvern.gov.uk", ("wyvern", "gov.uk")),
        ("mail.wyvern.gov.uk", ("wyvern", "gov.uk")),
        ("wyvern.co.uk", ("wyvern", "co.uk")),
        ("wyvern.blogspot.com", ("blogspot", "com")),  # a private registration counts as the company's own
        ("a.b.ck", ("a", "b.ck")),  # *.ck takes one more label...
        ("a.www.ck", ("www", "ck")),  # ...except where !www.ck says not
        ("b.ck", ("", "b.ck")),
        ("wyvern\u3002gov\uff0euk", ("wyvern", "gov.uk")),  # ideographic and full-width full stops
        ("xn--wyvrn-1we.gov.uk", ("xn--wyvrn-1we", "gov.uk")),
        ("wyvern.local", None),
        ("10.0.0.1", None),
        ("localhost", None),
    ],
)
def test_named_domains(suffixes, reference, domain, expected):
    assert suffixes.split(domain) == expected
    parts = reference(domain)
    assert ((parts.domain, parts.suffix) if parts.suffix else None) == expected


def test_the_comparer_splits_unknown_domains_at_the_last_label():
    comparer = DomainComparer(frozenset())
    assert comparer.split("wyvern.local") == ("wyvern", "local")
    assert comparer.split("xn--wyvrn-1we.gov.uk") == ("wyv\u0435rn", "gov.uk")
    assert comparer.split("localhost") == ("", "")
