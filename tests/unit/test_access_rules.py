"""Access rules, the pure part: parse, first match, errors."""

from __future__ import annotations

import pytest
from caproto import AccessRights

from chartioc.iocs.common.access import rights
from chartioc.iocs.common.access_rules import AccessRules, RulesError


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
    assert rules.action("BL:motor.VAL", "lab-pc7", "alice") == "write"
    assert rules.action("BL:motor.VAL", "LAB-PC7", "alice") == "write"  # hosts: any case
    assert rules.action("BL:motor.VAL", "lab-pc7", "Alice") == "read"  # users: exact
    assert rules.action("BL:motor.VAL", "elsewhere", "operator") == "read"
    assert rules.action("BL:motor.VELO", "elsewhere", "operator") == "write"
    assert rules.action("BL:det:noise", "lab-pc1", "operator") == "none"
    assert rules.action("OTHER:pv", "lab-pc1", "operator") == "read"
    assert rules.action(("BL:m2", "BL:m2.VAL"), "lab-pc1", "bob") == "write"  # any name


def test_no_rules_at_all_means_read_only():
    assert AccessRules().action("ANY", "h", "u") == "read"


def test_actions_become_channel_access_rights():
    rules = AccessRules.parse("write A * *\nread B * *\nnone C * *")
    assert rights(rules, "A", "h", "u") == AccessRights.READ | AccessRights.WRITE
    assert rights(rules, "B", "h", "u") == AccessRights.READ
    assert rights(rules, "C", "h", "u") == AccessRights.NO_ACCESS
    assert rights(rules, "D", "h", "u") == AccessRights.READ


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


def test_check_client_ip_matches_hosts_by_address_with_names_resolved() -> None:
    from chartioc.iocs.common.access_rules import AccessRules

    text = "check-client-ip\nwrite BL:* ctrl-pc1,10.0.1.* *\nread * * *\n"
    rules = AccessRules.parse(text)
    assert rules.check_client_ip and len(rules.rules) == 2
    names = {"ctrl-pc1": ("10.0.0.7",)}
    resolved = rules.resolved(lambda name: names.get(name, ()))
    assert resolved.action("BL:m", "10.0.0.7", "anyone") == "write"  # ctrl-pc1's address
    assert resolved.action("BL:m", "10.0.1.99", "anyone") == "write"  # the pattern
    assert resolved.action("BL:m", "10.0.0.8", "anyone") == "read"  # another address
    # patterns are not resolved; "*" stays "*"
    asked: list[str] = []
    rules.resolved(lambda name: asked.append(name) or ())
    assert asked == ["ctrl-pc1"]


def test_without_check_client_ip_resolving_changes_nothing() -> None:
    from chartioc.iocs.common.access_rules import AccessRules

    rules = AccessRules.parse("write BL:* ctrl-pc1 *\n")
    assert not rules.check_client_ip
    assert rules.resolved(lambda name: ("10.0.0.7",)) is rules
    assert rules.action("BL:m", "ctrl-pc1", "u") == "write"


def test_a_none_rule_for_anyone_may_hide_a_pv():
    rules = AccessRules.parse(
        "write  *:Title  *  operator\nnone  *:Colormap  ctrl-pc1  alice\nwrite  *  *  *\n"
    )
    assert rules.may_hide("C:Colormap")  # for alice on ctrl-pc1, whoever asks
    assert not rules.may_hide("C:Title") and not rules.may_hide("C:Window")
