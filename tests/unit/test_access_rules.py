"""Access rules, the pure part: parse, first match, errors."""

from __future__ import annotations

import pytest
from caproto import AccessRights

from chartioc.iocs.common.access import AccessRules, RulesError

RW = AccessRights.READ | AccessRights.WRITE


def test_first_matching_rule_decides_and_no_match_is_read_only():
    rules = AccessRules.parse(
        """
        # comment line
        none   BL:det:noise          *            *
        write  BL:motor.*,BL:m2.VAL  lab-pc*      alice,bob   # trailing comment
        read   BL:motor.VAL          *            *
        write  BL:*                  *            operator
        """
    )
    assert rules.rights("BL:motor.VAL", "lab-pc7", "alice") == RW
    assert rules.rights("BL:motor.VAL", "LAB-PC7", "alice") == RW  # hosts: any case
    assert rules.rights("BL:motor.VAL", "lab-pc7", "Alice") == AccessRights.READ  # users: exact
    assert rules.rights("BL:motor.VAL", "elsewhere", "operator") == AccessRights.READ
    assert rules.rights("BL:motor.VELO", "elsewhere", "operator") == RW
    assert rules.rights("BL:det:noise", "lab-pc1", "operator") == AccessRights.NO_ACCESS
    assert rules.rights("OTHER:pv", "lab-pc1", "operator") == AccessRights.READ


def test_no_rules_at_all_means_read_only():
    assert AccessRules().rights("ANY", "h", "u") == AccessRights.READ


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("write BL:*  *", "rules:1: need ACTION PVS HOSTS USERS, got 3 fields"),
        ("\nallow BL:* * *", "rules:2: action must be write, read or none"),
        ("write , * *", "rules:1: empty pattern list"),
    ],
)
def test_bad_rules_name_their_line(text, message):
    with pytest.raises(RulesError, match=message):
        AccessRules.parse(text, "rules")


def test_an_unreadable_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(RulesError, match="cannot read rules file"):
        AccessRules.load(tmp_path / "missing.rules")
