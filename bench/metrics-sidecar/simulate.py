"""A training run for the shipping benchmark, written by tensorboardX: FLUSHES flushes INTERVAL
seconds apart (an hour of training flushed every 30 s is 120 of them), each after STEPS steps of
ten scalars and, every tenth step, a histogram. TARGET is a local run directory, or
s3://bucket/prefix for tensorboardX's own S3 writer (S3_ENDPOINT and AWS_* in the environment).
Prints a JSON line per flush, closing last (tensorboardX's close flushes, and its S3 writer uploads
again): when it began and ended, and the event file's bytes after it."""
import glob
import json
import os
import sys
import time

import boto3
import numpy as np
from tensorboardX import SummaryWriter

target, flushes, interval, steps = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
writer = SummaryWriter(target, flush_secs=10**6, max_queue=10**6)
random = np.random.RandomState(3)
s3 = boto3.client("s3", endpoint_url=os.environ.get("S3_ENDPOINT")) if target.startswith("s3://") else None


def size():
    if s3 is None:
        return os.path.getsize(glob.glob(os.path.join(target, "*tfevents*"))[0])
    bucket, prefix = target[len("s3://"):].split("/", 1)
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sum(item["Size"] for item in listing.get("Contents", []))


step = 0
for flush in range(flushes):
    started = time.time()
    for _ in range(steps):
        for tag in range(10):
            writer.add_scalar(f"metric/{tag}", random.rand(), step)
        if step % 10 == 0:
            writer.add_histogram("weights", random.randn(200), step)
        step += 1
    began = time.time()
    writer.flush()
    ended = time.time()
    print(json.dumps({"began": began, "ended": ended, "bytes": size()}), flush=True)
    time.sleep(max(0.0, interval - (time.time() - started)))
began = time.time()
writer.close()
print(json.dumps({"began": began, "ended": time.time(), "bytes": size()}), flush=True)
