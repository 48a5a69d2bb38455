"""What msgspec refuses in an accepted-risk file or a config is named as their authors know it, with its
line (rule packs: tests/test_rulepack.py): keys that are not text, items of a list, dates as words."""

from __future__ import annotations

import pytest

from dlscan.operations.config import load_config
from dlscan.operations.suppressions import load_suppressions
from dlscan.support.errors import InputError

RISK = "suppressions:\n  - rule: DL001\n    list: X\n    reason: r\n    accepted_by: me\n    expires: 2027-01-01\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (RISK.replace("    reason: r\n", "    reason: r\n    1: x\n"), 5, "unknown key '1'"),
        ("suppressions: []\n1: x\n", 2, "expected a mapping with one key"),
        (RISK.replace("reason: r", "reason: [r]"), 4, "'reason' must be a word, a number or a date"),
        (RISK.replace("accepted_by: me", "accepted_by: 2020-01-01"), None, ""),  # a date is a fine word here
        (RISK.replace("list: X", "name: [a, b]"), 3, "name: is one name pattern"),
        (RISK.replace("expires: 2027-01-01", "expires: ''"), 2, "a suppression needs expires"),
    ],
)
def test_an_accepted_risk_refusal_names_its_key_and_line(tmp_path, text, line, message):
    path = tmp_path / "risks.yaml"
    path.write_text(text, encoding="utf-8")
    if not message:
        assert load_suppressions(path, ["DL001"])
        return
    with pytest.raises(InputError) as caught:
        load_suppressions(path, ["DL001"])
    assert (caught.value.line, caught.value.reason[: len(message)]) == (line, message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[scan]\n"a\\nb" = 1\n', "unknown key 'a\nb' in [scan]"),
        ("[scan]\n1 = 2\n", "unknown key '1' in [scan]"),
        ("[run]\ncsv = 3\n", "'csv' in [run] must be a path"),
        ("[collect.ad]\nservers = ['a', 1]\n", "'servers' in [collect.ad] must be a list of strings"),
    ],
)
def test_a_config_refusal_names_its_key(tmp_path, text, message):
    path = tmp_path / "dlscan.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_config(path)
    assert caught.value.reason == message
