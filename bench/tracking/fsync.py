"""The floor under the in-pod endpoint's answer: fdatasync of a 200-byte append, as its journal
forces each group, into a growing file and into a preallocated one. Prints p50 and p99 in ms.
Usage: fsync.py DIRECTORY [CALLS]"""
import os
import sys
import time

directory, calls = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 500
line = b"x" * 199 + b"\n"
for kind in ("growing", "preallocated"):
    path = os.path.join(directory, f"fsync-{kind}.bin")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
    if kind == "preallocated":
        os.write(fd, b"\0" * (16 << 20))
        os.fsync(fd)
        os.lseek(fd, 0, os.SEEK_SET)
    latencies = []
    for _ in range(calls):
        before = time.perf_counter()
        os.write(fd, line)
        os.fdatasync(fd)
        latencies.append(time.perf_counter() - before)
    os.close(fd)
    os.remove(path)
    latencies.sort()
    print(f"| fdatasync of a 200-byte append, {kind} file | {latencies[calls // 2] * 1000:.2f} | {latencies[int(calls * 0.99)] * 1000:.2f} |")
