"""Event files for the reading benchmark, written by tensorboardX as a training job writes them.
Usage: write_events.py mixed DIR SIZE_MIB   scalars among histograms and images, until SIZE_MIB
       write_events.py scalars DIR COUNT    COUNT scalar records only"""
import glob
import os
import sys

import numpy as np
from tensorboardX import SummaryWriter

kind, target, amount = sys.argv[1], sys.argv[2], int(sys.argv[3])
writer = SummaryWriter(target, flush_secs=30, max_queue=1000)
random = np.random.RandomState(7)
step = 0
if kind == "mixed":
    limit = amount << 20
    image = random.rand(3, 96, 96)
    while True:
        for tag in range(8):
            writer.add_scalar(f"scalars/{tag}", random.rand(), step)
        if step % 4 == 0:
            writer.add_histogram("weights", random.randn(1000), step)
        if step % 16 == 0:
            writer.add_image("sample", np.roll(image, step, axis=2), step)
            writer.flush()
            if os.path.getsize(glob.glob(os.path.join(target, "*tfevents*"))[0]) >= limit:
                break
        step += 1
else:
    for step in range(amount // 4):
        for tag in ("loss", "accuracy", "lr", "grad_norm"):
            writer.add_scalar(tag, random.rand(), step)
writer.close()
open(os.path.join(target, "done"), "w").close()
