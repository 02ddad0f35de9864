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
