"""engine/backends/load.py: a process tree's CPU and memory, read from /proc, count its children (on a local Ray
cluster, the workers that train), against what the processes were made to do."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from engine.backends import load

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")

CHILD = """
import sys, time
block = bytearray(300 * 2**20)  # 300 MB, touched so that it is resident
for i in range(0, len(block), 4096):
    block[i] = 1
print("ready", flush=True)
end = time.process_time() + float(sys.argv[1])
while time.process_time() < end:  # busy for that much CPU time, then waits
    pass
print("busy done", flush=True)
time.sleep(60)
"""


def test_a_tree_counts_its_childs_memory_and_cpu():
    alone = load.usage()
    child = subprocess.Popen([sys.executable, "-c", CHILD, "0.6"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        assert child.stdout.readline().strip() == "busy done"
        now = load.usage()
        assert child.pid in load.tree(load.os.getpid()) and now.processes == alone.processes + 1
        assert now.rss_mb - alone.rss_mb > 280, "the child's 300 MB are in the tree"
        assert load.rss_mb(child.pid) > 280
        assert now.cpu_seconds - alone.cpu_seconds >= 0.6, "the child's 0.6 s of CPU are in the tree"
        assert 0.6 <= load.cpu_seconds(child.pid) < 5
    finally:
        child.kill()
        child.wait()


def test_cores_since_an_earlier_reading_and_processes_that_are_gone():
    earlier = load.Usage(cpu_seconds=10.0, rss_mb=1.0, processes=1, at=100.0)
    assert load.Usage(13.0, 1.0, 1, at=102.0).cores_since(earlier) == 1.5
    lost_one = load.Usage(9.0, 1.0, 1, at=102.0)
    assert lost_one.cores_since(earlier) == 0.0, "a tree that lost a process never goes below 0"
    assert load.Usage(13.0, 1.0, 1, at=100.0).cores_since(earlier) == 0.0
    assert load.summed(load.rss_mb, [2**22 + 12345]) == 0.0, "a pid that does not exist counts nothing"
    start = time.process_time()
    while time.process_time() - start < 0.2:
        pass
    assert load.cpu_seconds(load.os.getpid()) >= 0.2
