"""Public suffixes (com, co.uk, gov.uk, *.ck) from the Public Suffix List that tldextract bundles.

tldextract supplies the list and remains the reference (`tests/test_suffixes.py` compares every rule's
domains with it), but its extractor builds two tries of nine thousand suffixes label by label: 17 ms in
every run, most of what the look-alike domain rule costs at ten thousand recipients. The list's ICANN
section held in sets answers the same question for the few hundred domains a scan meets in 3 ms, the
rules read from dlscan's cache folder (`dlscan.support.datacache`) in every run but the first.
Private registrations (blogspot.com, github.io) are left out, as the rule wants: a look-alike there
is a look-alike all the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources

from dlscan.support.datacache import derived_strings

_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
"""Ideographic and full-width full stops, which browsers and mail clients read as dots."""


class PublicSuffixes:
    """Looks a domain's public suffix up as tldextract's trie does: label by label from the right, the
    longest rule wins, a wildcard (*.ck) takes one more label unless an exception (!www.ck) says not."""

    def __init__(self, rules: Iterable[str]) -> None:
        self._rules = frozenset(rules)
        # Every rule's trailing labels: the trie's nodes, so that a walk stops where tldextract's stops.
        paths, shorter = set(self._rules), self._rules
        while shorter:
            shorter = {rule.partition(".")[2] for rule in shorter if "." in rule}
            paths |= shorter
        self._paths = frozenset(paths)

    @classmethod
    def bundled(cls) -> PublicSuffixes:
        """The ICANN section of the list tldextract ships: no network; kept in dlscan's cache folder."""
        source = resources.files("tldextract") / ".tld_set_snapshot"
        return cls(
            derived_strings("public-suffixes", source, _RULES_DERIVATION, lambda: _icann_rules(source.read_bytes()))
        )

    def split(self, domain: str) -> tuple[str, str] | None:
        """(the label registered under the suffix, the suffix), spelled as in `domain`; None when no rule
        matches (a private top-level domain such as .local, an address literal). mail.wyvern.gov.uk ->
        (wyvern, gov.uk)."""
        labels = domain.translate(_DOTS).split(".")
        start = self._suffix_start([_label_key(label) for label in labels])
        if start is None:
            return None
        return (labels[start - 1] if start else ""), ".".join(labels[start:])

    def _suffix_start(self, keys: list[str]) -> int | None:
        """The index of the suffix's first label, or None."""
        node, start = "", None
        for i in range(len(keys) - 1, -1, -1):
            path = f"{keys[i]}.{node}" if node else keys[i]
            if path in self._paths:
                node = path
                if path in self._rules:
                    start = i
                continue
            if node and f"*.{node}" in self._rules:
                return i + 1 if f"!{path}" in self._rules else i
            break
        return start


_RULES_DERIVATION = 1
"""Changed whenever `_icann_rules` would read other rules from the same file: a kept list is then not used."""


def _icann_rules(suffix_list: bytes) -> list[str]:
    """The rules of the list's ICANN section, read by tldextract's own reader."""
    from tldextract.suffix_list import extract_tlds_from_suffix_list

    return extract_tlds_from_suffix_list(suffix_list.decode("utf-8"))[0]


def _label_key(label: str) -> str:
    """A label as the list spells its rules: lower case, an internationalised label decoded."""
    lowered = label.lower()
    if lowered.startswith("xn--"):
        import idna  # few domains have such a label: its tables are not loaded for the rest

        try:
            return idna.decode(lowered)
        except (UnicodeError, IndexError):
            pass
    return lowered
