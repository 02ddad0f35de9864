"""One image subscriber for bench/fanout.py: counts frames and missing frame ids.

Monitors ``ArrayData`` and ``UniqueId_RBV`` of one plugin with pyepics. The
chart IOC posts the data before the id, and one circuit delivers both in
order, so each frame is the data followed by its id. Prints one JSON line.

Usage (environment from bench/fanout.py)::

    python bench/subscriber.py PREFIX SECONDS
"""

from __future__ import annotations

import json
import sys
import threading
import time

import epics


def main() -> None:
    """Subscribe, wait ``SECONDS``, print ``{"frames", "ids", "missing", "bytes"}``."""
    prefix, seconds = sys.argv[1], float(sys.argv[2])
    lock = threading.Lock()
    pending = {"data": False}
    ids: list[int] = []
    stats = {"bytes": 0, "frames": 0}

    def on_data(value=None, **_):
        with lock:
            pending["data"] = True
            stats["bytes"] += len(value)
            stats["frames"] += 1

    def on_id(value=None, **_):
        with lock:
            if pending["data"]:
                ids.append(int(value))
                pending["data"] = False

    data = epics.PV(prefix + "ArrayData", auto_monitor=True, callback=on_data)
    uid = epics.PV(prefix + "UniqueId_RBV", callback=on_id)
    data.wait_for_connection(10)
    uid.wait_for_connection(10)
    print("ready", flush=True)
    time.sleep(seconds)
    data.disconnect()
    uid.disconnect()
    with lock:
        span = set(range(ids[0], ids[-1] + 1)) if ids else set()
        result = {
            "frames": stats["frames"],
            "ids": len(ids),
            "first": ids[0] if ids else None,
            "last": ids[-1] if ids else None,
            "missing": len(span - set(ids)),
            "bytes": stats["bytes"],
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
