"""``chartioc.client.Motors`` against the mock motor IOC over real CA."""

from __future__ import annotations

import asyncio

import pytest

from chartioc.client.ca.monitor import ConnectionChange, ValueUpdate
from chartioc.client.ca.motors import Motors


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_motors_follow_move_stop_and_tweak(motor_ioc, motor):
    name = motor.removeprefix(motor_ioc.prefix)

    async def scenario():
        events: list = []
        motors = Motors(motor_ioc.prefix, [name])
        motors.add_listener(events.append)
        await motors.start()
        await motors.wait_connected(timeout=5)
        await asyncio.sleep(0.2)
        st = motors.state(name)
        assert st.connected and st.rbv == 0.0 and st.dmov is True
        assert st.egu == "mm" and st.prec == 3 and st.hlm == 10.0 and st.llm == -10.0
        await motors.move(name, 1.0)  # returns when the move has ended
        await asyncio.sleep(0.1)
        assert motors.state(name).rbv == 1.0
        rbvs = [e for e in events if isinstance(e, ValueUpdate) and e.pvname.endswith(".RBV")]
        values = [e.value for e in rbvs]
        assert values == sorted(values) and values[-1] == 1.0 and len(values) > 3
        stamps = [e.timestamp for e in rbvs]
        assert stamps == sorted(stamps)  # server time stamps, in order
        running = [
            e.value for e in events if isinstance(e, ValueUpdate) and e.pvname.endswith(".running")
        ]
        assert running == [0, 1, 0]
        assert any(isinstance(e, ConnectionChange) and e.connected for e in events)
        await motors.tweak(name, +1)
        await asyncio.sleep(0.1)
        assert motors.state(name).rbv == pytest.approx(1.1)
        move = asyncio.ensure_future(motors.move(name, -5.0))
        await asyncio.sleep(0.4)
        await motors.stop(name)
        await asyncio.wait_for(move, 5)
        await asyncio.sleep(0.1)
        assert -5.0 < motors.state(name).rbv < 1.1
        await motors.close()

    run(scenario())


def test_unknown_motor_name_is_a_clear_error():
    motors = Motors("X:", ["a"])
    with pytest.raises(KeyError, match="unknown motor 'b'"):
        motors.pvname("b", "RBV")
    with pytest.raises(ValueError):
        Motors("X:", [])


def test_motors_on_a_shared_monitor_share_its_channels(motor_ioc, motor):
    """``Motors(monitor=...)``: one channel and one subscription per PV with the monitor's
    other users; its listeners see only its own fields; ``close`` leaves the others'."""
    from chartioc.client.ca.monitor import ChannelCount, PVMonitor
    from chartioc.client.ca.motors import is_motor_record

    name = motor.removeprefix(motor_ioc.prefix)
    rbv = f"{motor}.RBV"
    det = f"{motor_ioc.prefix}det"

    async def scenario():
        monitor = PVMonitor()
        await monitor.add([rbv, det])  # the monitor's own user follows RBV and det
        motors = Motors(motor_ioc.prefix, [name], monitor=monitor, fields=("RBV", "DMOV", "HLM"))
        seen: list = []
        motors.add_listener(seen.append)
        await motors.start()
        await motors.wait_connected(timeout=5)
        await monitor.wait_connected(timeout=5)
        await asyncio.sleep(0.2)
        counts = monitor.channel_counts()
        assert counts[rbv] == ChannelCount(1, 1)  # shared: one channel, one subscription
        assert counts[f"{motor}.DMOV"] == ChannelCount(1, 1)
        assert counts[det] == ChannelCount(1, 1)
        assert monitor.followed(motors) == {rbv, f"{motor}.DMOV", f"{motor}.HLM"}
        assert {e.pvname for e in seen} <= {rbv, f"{motor}.DMOV", f"{motor}.HLM"}  # no det
        st = motors.state(name)
        assert st.hlm == 10.0 and st.dmov is True and st.llm is None  # LLM not followed
        assert await is_motor_record(monitor, motor, 2.0) is True
        assert await is_motor_record(monitor, det, 1.0) is None  # no record fields: no answer
        await motors.close()
        assert monitor.is_followed(rbv) and not monitor.is_followed(f"{motor}.DMOV")
        events: list = []
        monitor.add_listener(events.append)
        await monitor.write(f"{motor}.VAL", 0.5, timeout=10)
        await asyncio.sleep(0.2)
        names = {e.pvname for e in events if isinstance(e, ValueUpdate)}
        assert rbv in names and f"{motor}.DMOV" not in names  # RBV kept for the other user
        assert monitor.channel_counts()[f"{motor}.DMOV"].subscriptions == 0
        await monitor.write(f"{motor}.VAL", 0.0, timeout=10)
        await monitor.close()

    run(scenario())


def test_a_circuit_that_fails_to_connect_is_searched_for_again(
    motor_ioc, motor, monkeypatch, caplog
):
    """caproto 1.3.0 leaves a PV for good on a circuit whose TCP connect timed out.

    The fault is made real by a connect timeout too short for any connection;
    once it is back to normal, the PV must connect through a fresh circuit.
    """
    from chartioc.client.ca import context as ctxmod

    async def scenario():
        monkeypatch.setattr(ctxmod, "_FAILED_CONNECTS", {})  # no failure from another test
        monkeypatch.setattr(ctxmod, "CIRCUIT_CONNECT_TIMEOUT", 1e-9)
        context = ctxmod.MonitorContext()
        (pv,) = await context.get_pvs(f"{motor}.RBV")
        deadline = asyncio.get_running_loop().time() + 10
        while not ctxmod._FAILED_CONNECTS:  # a circuit failed to connect (and is retried)
            assert asyncio.get_running_loop().time() < deadline, "no connect failure seen"
            await asyncio.sleep(0.01)
        assert not pv.connected
        monkeypatch.setattr(ctxmod, "CIRCUIT_CONNECT_TIMEOUT", 10.0)
        await pv.wait_for_connection(timeout=10)  # without the fix: never
        reading = await pv.read(timeout=5)
        assert float(reading.data[0]) == 0.0
        assert ctxmod._FAILED_CONNECTS == {}  # the success ends the back-off
        await context.disconnect()

    with caplog.at_level("DEBUG", logger="chartioc.client.ca.context"):
        run(scenario())
    assert "searching again" in caplog.text
