"""Write sample_data/shared_health.ldif: three health bodies in one shared directory and address book.

Run `python sample_data/make_shared_health.py` to regenerate; the output is deterministic. Wyvern Health
NHS Trust, Wyvern Children's Hospital and Brookside Surgery share the domain wyvernhealth.example, told
apart only by companyName, as on a national mail service. Scan it for each body with
sample_data/shared_health.toml (docs/boundary.md, "Shared directories"). It holds the hazards of such a
directory that a scan for one body must still see:
- the trust's "WHT Discharge Team" and the children's hospital's "WCH Discharge Team", one letter apart
  in the same address book: the likeliest misdirection of all, though neither list mixes anyone;
- a trust "Maternity Team" with a children's hospital midwife on it: sensitive only to a health vocabulary;
- the children's hospital's "WCH Theatre Staff", hidden from address lists, beside the trust's "WHT
  Theatre Staff": nobody can pick it by mistake, so it is no hazard;
- two lists of the other bodies alike to each other ("WCH Pharmacy" and "Brookside Pharmacy"): theirs to
  judge, not the trust's.
"""

from __future__ import annotations

from pathlib import Path

from sample_ldif import SampleLdif

BASE = "DC=wyvernhealth,DC=example"
MAIL = "wyvernhealth.example"
BODIES = {
    "WHT": ("Wyvern Health NHS Trust", ["Helen Carter", "Marcus Reid", "Priya Shah", "Tom Hughes", "Ann Lowe",
                                         "Grace Obi", "Liam Foster"]),
    "WCH": ("Wyvern Children's Hospital", ["Ruth Adeyemi", "Owen Price", "Mei Lin", "Carys Jones", "Dev Patel"]),
    "GP": ("Brookside Surgery", ["Dr Sam Okafor", "Jo Patel", "Rhian Evans"]),
}  # fmt: skip


def build() -> str:
    ldif = SampleLdif(BASE, MAIL, "shared-health")
    ldif.domain()
    people: dict[str, list[str]] = {}
    for short, (company, names) in BODIES.items():
        for name in names:
            people.setdefault(short, []).append(ldif.user(f"CN={name},OU={short},OU=People,{BASE}", name, company))

    def group(name: str, local: str, members: list[str], owner: str, *, hidden: bool = False) -> None:
        ldif.group(f"CN={name},OU=Lists,{BASE}", name, local, members, owner, nickname=True, hidden=hidden)

    wht, wch, gp = people["WHT"], people["WCH"], people["GP"]
    group("WHT Discharge Team", "wht.discharge", wht[:3], wht[0])
    group("WCH Discharge Team", "wch.discharge", wch[:3], wch[0])
    group("Maternity Team", "maternity", [*wht[3:6], wch[3]], wht[3])
    group("WHT Theatre Staff", "wht.theatres", wht[4:], wht[4])
    group("WCH Theatre Staff", "wch.theatres", wch[2:], wch[2], hidden=True)
    group("WCH Pharmacy", "wch.pharmacy", wch[:2], wch[1])
    group("Brookside Pharmacy", "brookside.pharmacy", gp[:2], gp[0])
    group("Brookside Practice Team", "brookside.team", gp, gp[0])
    return ldif.render()


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "shared_health.ldif"
    target.write_text(build(), encoding="utf-8", newline="\n")
    print(f"wrote {target}")
