"""DN parsing: dlscan's parser against ldap3's own `parse_dn`, on the DNs that take the careful path.

Most DNs in an export need no parsing (nothing escaped, no space around separators) and are only
lower-cased; this measures the rest: escaped commas, hex escapes of UTF-8 names, spaces.

    python benchmarks/bench_dn.py
"""

from __future__ import annotations

import timeit

from ldap3.core.exceptions import LDAPInvalidDnError
from ldap3.utils.dn import parse_dn as ldap3_parse_dn

from dlscan.sources.dn import parse_dn

SHAPES = {
    "escaped comma": "CN=Smith\\, John {i},OU=Staff,OU=People,DC=wyvern,DC=gov,DC=uk",
    "hex-escaped UTF-8": "CN=Gr\\C3\\BC\\C3\\9Fe {i},OU=Staff,DC=wyvern,DC=gov,DC=uk",
    "spaces around separators": "CN = Team {i} , OU = Lists , DC = wyvern , DC = gov , DC = uk",
}
LEGACY = {
    "quoted value (RFC 2253)": 'CN="Smith, John",OU=Staff,DC=wyvern,DC=gov,DC=uk',
    "semicolon separator (RFC 1779)": "CN=Smith;OU=Staff;DC=wyvern",
}


def per_dn(function, dns: list[str]) -> float:
    runs = timeit.repeat(lambda: [function(dn) for dn in dns], number=5, repeat=5)
    return min(runs) / 5 / len(dns) * 1e6


def main() -> None:
    print(f"{'shape':<28} {'dlscan':>10} {'ldap3':>10}   (microseconds per DN, best of 5)")
    for name, shape in SHAPES.items():
        dns = [shape.format(i=i) for i in range(2000)]
        ours = per_dn(parse_dn, dns)
        theirs = per_dn(lambda dn: ldap3_parse_dn(dn, escape=False, strip=True), dns)
        print(f"{name:<28} {ours:10.1f} {theirs:10.1f}")
    for name, dn in LEGACY.items():
        try:
            ldap3_parse_dn(dn, escape=False, strip=True)
            verdict = "parsed"
        except LDAPInvalidDnError as exc:
            verdict = f"refused: {exc}"
        print(f"{name}: dlscan {parse_dn(dn)}; ldap3 {verdict}")


if __name__ == "__main__":
    main()
