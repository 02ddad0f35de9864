"""left_behind() finds what a run started and did not end, by process group."""

from __future__ import annotations

import subprocess
import sys

from chartioc.client.procstats import describe, left_behind


def test_a_child_still_running_is_left_behind_and_an_ended_one_is_not():
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert child.pid in left_behind(grace=0)
        assert "sleep 30" in describe(child.pid)
    finally:
        child.kill()
        child.wait()
    assert child.pid not in left_behind(grace=0)


def test_an_orphan_of_ours_is_found():
    # A child that starts a grandchild and exits: the grandchild is orphaned, same group.
    code = (
        "import subprocess; "
        "print(subprocess.Popen(['sleep', '30'], stdout=-3, stderr=-3).pid)"  # -3: DEVNULL
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    orphan = int(out.stdout)
    try:
        assert orphan in left_behind(grace=0)
    finally:
        subprocess.run(["kill", str(orphan)], check=False)
