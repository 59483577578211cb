"""A training loop that logs as real tasks do, for the sidecar's tests: tensorboardX and
TensorBoard's own summary writer, runs at several depths, scalars among histograms and images,
flushed as it goes. Usage: train.py LOGDIR STEPS PAUSE_SECONDS [HOLD_FILE]
With HOLD_FILE, the loop stops halfway, its events flushed, until that file exists: a test can look
at what a task still running has written without racing it."""
import os
import sys
import time

import numpy as np
from tensorboard.summary import Writer
from tensorboardX import SummaryWriter

logdir, steps, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
hold = sys.argv[4] if len(sys.argv) > 4 else None
train = SummaryWriter(f"{logdir}/train", flush_secs=1)
evaluation = SummaryWriter(f"{logdir}/nested/eval", flush_secs=1)
own = Writer(f"{logdir}/tensorboard-writer")
for step in range(steps):
    if hold and step == steps // 2:
        train.flush()
        evaluation.flush()
        own.flush()
        while not os.path.exists(hold):
            time.sleep(0.05)
    train.add_scalar("loss", 1.0 / (step + 1), step)
    train.add_scalar("lr/group0", 0.1 * 0.99 ** step, step)
    own.add_scalar("throughput", step * 2.5, step)
    if step % 10 == 0:
        random = np.random.RandomState(step)
        train.add_histogram("weights", random.randn(100), step)
        train.add_image("sample", random.rand(3, 8, 8), step)
        evaluation.add_scalar("accuracy", step / steps, step)
        own.flush()
    time.sleep(pause)
train.close()
evaluation.close()
own.close()
print("wrote", steps, "steps", flush=True)
