"""One image viewer for bench/pva.py, over CA (pyepics) or pvAccess (p4p): frames, ids, latency.

``ca``: monitors ``image1:ArrayData`` and ``image1:UniqueId_RBV`` (the id follows
its frame on one circuit); ``pva``: monitors ``Pva1:Image`` (the id is in the
NTNDArray) and decodes it with the codec's own library, as a viewer must.
Latency: receive time minus the frame's time stamp (the newest sample the
frame shows, the RBV update's time). Prints ``ready``, then one JSON line.

Usage (environment from bench/pva.py)::

    python bench/image_client.py {ca,pva} CHART_PREFIX SECONDS
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def watch_ca(prefix: str, seconds: float) -> dict:
    import epics

    lock = threading.Lock()
    ids: list[int] = []
    latencies: list[float] = []
    pending = {"data": False}

    def on_data(timestamp=None, **_):
        with lock:
            pending["data"] = True
            latencies.append(time.time() - timestamp)

    def on_id(value=None, **_):
        with lock:
            if pending["data"]:
                ids.append(int(value))
                pending["data"] = False

    data = epics.PV(prefix + "image1:ArrayData", auto_monitor=True, callback=on_data)
    uid = epics.PV(prefix + "image1:UniqueId_RBV", callback=on_id)
    data.wait_for_connection(10)
    uid.wait_for_connection(10)
    return _run(seconds, lock, ids, latencies, lambda: (data.disconnect(), uid.disconnect()))


def watch_pva(prefix: str, seconds: float) -> dict:
    import numpy as np
    from p4p.client.thread import Context

    from chartioc.iocs.chart.codecs import decode

    lock = threading.Lock()
    ids: list[int] = []
    latencies: list[float] = []
    ctx = Context("pva", nt=False)

    def on_frame(value) -> None:
        now = time.time()
        if isinstance(value, Exception):
            return
        dims = [d.size for d in value.dimension]
        shape = (dims[2], dims[1], dims[0]) if len(dims) == 3 else (dims[1], dims[0])
        decode(np.asarray(value.value), value.codec.name, shape)
        stamp = value.dataTimeStamp.secondsPastEpoch + value.dataTimeStamp.nanoseconds * 1e-9
        with lock:
            ids.append(int(value.uniqueId))
            latencies.append(now - stamp)

    sub = ctx.monitor(prefix + "Pva1:Image", on_frame, notify_disconnect=True)
    time.sleep(0.5)  # connected
    with lock:
        ids.clear()
        latencies.clear()

    def close() -> None:
        sub.close()
        ctx.close()

    return _run(seconds, lock, ids, latencies, close)


def _run(seconds: float, lock, ids, latencies, close) -> dict:
    print("ready", flush=True)
    cpu0 = _cpu()
    time.sleep(seconds)
    cpu = _cpu() - cpu0
    close()
    with lock:
        got = sorted(set(ids))
        span = set(range(got[0], got[-1] + 1)) if got else set()
        lat = sorted(latencies)
    pick = (lambda q: lat[min(len(lat) - 1, int(q / 100 * len(lat)))] * 1e3) if lat else None
    return {
        "frames": len(ids),
        "missing": len(span - set(got)),
        "latency_p50_ms": pick(50) if lat else None,
        "latency_p99_ms": pick(99) if lat else None,
        "cpu_s": cpu,
    }


def main() -> None:
    proto, prefix, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    watch = watch_ca if proto == "ca" else watch_pva
    print(json.dumps(watch(prefix, seconds)), flush=True)


if __name__ == "__main__":
    main()
