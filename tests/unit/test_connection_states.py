"""Connection bookkeeping of a monitor's PVs (pure, no CA): states, losses, outages."""

from __future__ import annotations

import asyncio

import pytest

from chartioc.client.ca.connection_states import ConnectionStates, StateChange


def followed(*names: str) -> ConnectionStates:
    states = ConnectionStates()
    for name in names:
        states.follow(name)
    return states


def test_a_followed_pv_is_not_connected_and_was_never_lost() -> None:
    states = followed("A")
    assert states.connected == {"A": False}
    assert states.down_since == {} and states.outages == {}


def test_the_first_connection_is_no_reconnection() -> None:
    states = followed("A")
    assert states.mark("A", True, 10.0) == StateChange(up=True, down_since=None)
    assert states.connected["A"] is True
    assert states.outages == {}


def test_a_loss_then_a_reconnection_is_one_outage() -> None:
    states = followed("A")
    states.mark("A", True, 10.0)
    assert states.mark("A", False, 12.0) == StateChange(up=False)
    assert states.connected["A"] is False and states.down_since == {"A": 12.0}
    assert states.mark("A", True, 15.0) == StateChange(up=True, down_since=12.0)
    assert states.down_since == {}
    assert states.outages == {"A": (12.0, 15.0)}


def test_only_the_last_outage_is_kept() -> None:
    states = followed("A")
    states.mark("A", True, 1.0)
    for lost, back in ((2.0, 3.0), (5.0, 8.0)):
        states.mark("A", False, lost)
        states.mark("A", True, back)
    assert states.outages == {"A": (5.0, 8.0)}


def test_the_same_state_twice_is_no_change() -> None:
    states = followed("A")
    assert states.mark("A", False, 1.0) is None  # never connected: still not connected
    states.mark("A", True, 2.0)
    assert states.mark("A", True, 3.0) is None
    states.mark("A", False, 4.0)
    assert states.mark("A", False, 5.0) is None
    assert states.down_since == {"A": 4.0}  # lost at the first loss, not the repeated one


def test_lost_within_a_window_counts_from_the_loss() -> None:
    states = followed("A", "B", "C")
    for name in ("A", "B", "C"):
        states.mark(name, True, 0.0)
    states.mark("A", False, 100.0)
    states.mark("B", False, 200.0)
    assert states.lost_within(120.0, now=210.0) == {"A", "B"}
    assert states.lost_within(120.0, now=220.0) == {"B"}  # A lost 120 s ago: no longer
    states.mark("B", True, 230.0)
    assert states.lost_within(120.0, now=230.0) == set()


def test_a_pv_forgotten_leaves_nothing() -> None:
    states = followed("A", "B")
    states.mark("A", True, 1.0)
    states.mark("A", False, 2.0)
    states.mark("A", True, 3.0)
    states.mark("A", False, 4.0)
    states.forget("A")
    states.forget("never followed")
    assert states.connected == {"B": False}
    assert states.down_since == {} and states.outages == {}


def test_wait_connected_returns_once_all_are_connected() -> None:
    states = followed("A", "B")

    async def scenario() -> None:
        async def connect_later() -> None:
            await asyncio.sleep(0.05)
            states.mark("A", True, 1.0)
            await asyncio.sleep(0.05)
            states.mark("B", True, 2.0)

        task = asyncio.ensure_future(connect_later())
        await states.wait_connected(["A", "B"], timeout=5.0)
        assert task.done()

    asyncio.run(scenario())


def test_wait_connected_names_the_pvs_still_missing() -> None:
    states = followed("A", "B")
    states.mark("A", True, 1.0)
    with pytest.raises(TimeoutError, match=r"not connected within 0.1 s: B$"):
        asyncio.run(states.wait_connected(["A", "B"], timeout=0.1))
