"""Who follows each PV of a shared monitor (pure, no CA)."""

from __future__ import annotations

from chartioc.client.ca.owners import Owners


def test_add_returns_each_name_once_in_order() -> None:
    owners = Owners()
    assert owners.add(["B", "A", "B"], "chart") == ["B", "A"]
    assert owners.of("chart") == {"A", "B"}


def test_a_name_stays_owned_until_its_last_owner_goes() -> None:
    owners = Owners()
    owners.add(["A", "B"], "chart")
    owners.add(["A"], "motors")
    assert owners.discard(["A", "B"], "chart") == ["A", "B"]
    assert owners.unowned(["A", "B"]) == ["B"]
    assert owners.of("chart") == set() and owners.of("motors") == {"A"}
    owners.discard(["A"], "motors")
    assert owners.unowned(["A", "B"]) == ["A", "B"]


def test_adding_twice_with_one_owner_is_once() -> None:
    owners = Owners()
    owners.add(["A"], None)
    owners.add(["A"], None)
    owners.discard(["A"], None)
    assert owners.unowned(["A"]) == ["A"]


def test_discarding_what_an_owner_never_followed_changes_nothing() -> None:
    owners = Owners()
    owners.add(["A"], "chart")
    owners.discard(["A", "C"], "other")
    assert owners.unowned(["A", "C"]) == ["C"]
    assert owners.of("chart") == {"A"}
    assert owners.of("other") == set()


def test_forget_drops_every_owner() -> None:
    owners = Owners()
    owners.add(["A", "B"], "chart")
    owners.add(["A"], "motors")
    owners.forget("A")
    owners.forget("never added")
    assert owners.unowned(["A"]) == ["A"]
    assert owners.of("motors") == set() and owners.of("chart") == {"B"}


def test_the_default_owner_is_an_owner_like_any() -> None:
    owners = Owners()
    owners.add(["A"], None)
    owners.add(["B"], "chart")
    assert owners.of(None) == {"A"}
