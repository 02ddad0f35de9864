"""Unit tests of the IOC start-up logic shared by both IOCs (no CA)."""

from __future__ import annotations

import logging

from walkthrough import command_lines, expects_failure

from chartioc.iocs.common.logs import BACKLOG_WARNING, DemoteFilter
from chartioc.iocs.common.serve import LOOPBACK_BROADCAST, beacon_environment, is_loopback, pv_names


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("127.0.0.2") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback(LOOPBACK_BROADCAST)
    assert not is_loopback("192.0.2.7")


def test_beacons_default_to_the_client_address_list_as_in_epics_base():
    env = {"EPICS_CA_ADDR_LIST": "10.1.2.255", "EPICS_CA_AUTO_ADDR_LIST": "NO"}
    assert beacon_environment(env, ["0.0.0.0"]) == {
        "EPICS_CAS_BEACON_ADDR_LIST": "10.1.2.255",
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
    }


def test_server_beacon_settings_win():
    env = {"EPICS_CA_ADDR_LIST": "a", "EPICS_CAS_BEACON_ADDR_LIST": "b"}
    assert "EPICS_CAS_BEACON_ADDR_LIST" not in beacon_environment(env, ["0.0.0.0"])


def test_loopback_only_ioc_never_beacons_off_the_machine():
    # Nothing set: caproto would beacon to 255.255.255.255.
    assert beacon_environment({}, ["127.0.0.1"]) == {
        "EPICS_CAS_BEACON_ADDR_LIST": LOOPBACK_BROADCAST,
        "EPICS_CAS_AUTO_BEACON_ADDR_LIST": "NO",
    }
    listed = beacon_environment({"EPICS_CAS_BEACON_ADDR_LIST": "127.0.0.1:5065"}, ["127.0.0.1"])
    assert listed["EPICS_CAS_BEACON_ADDR_LIST"] == f"127.0.0.1:5065 {LOOPBACK_BROADCAST}"
    # On all interfaces, automatic beacons stay automatic.
    assert beacon_environment({}, ["0.0.0.0"]) == {}


class _Record:
    def __init__(self, fields=None):
        self.fields = fields or {}


def test_pv_names_include_record_fields_once():
    pvdb = {"M:motor": _Record({"RBV": 1, "VAL": 2}), "M:motor.RBV": _Record(), "M:det": _Record()}
    assert pv_names(pvdb) == ["M:motor", "M:motor.RBV", "M:motor.VAL", "M:det"]


def test_demote_filter_lowers_routine_records_only(caplog):
    logger = logging.getLogger("chartioc.test.demote")
    logger.addFilter(DemoteFilter((BACKLOG_WARNING,)))
    with caplog.at_level(logging.INFO, logger="chartioc.test.demote"):
        logger.warning(BACKLOG_WARNING + " rest", "X:ArrayData", 10)
        logger.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
    with caplog.at_level(logging.DEBUG, logger="chartioc.test.demote"):
        logger.warning(BACKLOG_WARNING, "X:ArrayData", 10)
    assert caplog.records[-1].levelno == logging.DEBUG


def test_readme_commands_are_split_as_typed():
    text = "a \\\n  b\n\ncat > f <<EOF\nx\nEOF\nc   # refused: no\n"
    assert command_lines(text) == ["a \\\n  b", "cat > f <<EOF\nx\nEOF", "c   # refused: no"]
    assert expects_failure("c   # refused: no") and not expects_failure("caput x 1  # moves")


def test_beacon_failures_are_one_line_and_refusals_debug(caplog):
    from chartioc.iocs.common.logs import BeaconFilter

    logger = logging.getLogger("chartioc.test.beacon")
    logger.addFilter(BeaconFilter())
    message = "Failed to send beacon to %r. Try setting ..."
    with caplog.at_level(logging.INFO, logger="chartioc.test.beacon"):
        for exc in (ConnectionRefusedError(111, "refused"), OSError(101, "unreachable")) * 2:
            try:
                try:
                    raise exc
                except OSError as inner:  # caproto wraps the socket's error
                    raise OSError("Failed to send to 127.0.0.1:5065") from inner
            except OSError:
                logger.exception(message, ("127.0.0.1", 5065))
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert caplog.records[0].exc_info is None
    assert "Failed to send" in caplog.records[0].getMessage()
