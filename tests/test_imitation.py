"""DL006's bookkeeping: which targets share a local part."""

from __future__ import annotations

from dlscan.checks.imitation import _LocalGroups


def test_targets_sharing_a_local_part_are_all_found_in_order():
    groups = _LocalGroups(["sales", "", "jo.smith", "sales", "", "info2", "sales"])
    assert sorted(groups.texts()) == ["info2", "jo.smith", "sales"]  # a generic ("") local part is not compared
    assert groups.targets("sales") == [0, 3, 6]
    assert groups.targets("jo.smith") == [2]
    assert groups.targets("info2") == [5]
