"""Leaves a detached process behind (double fork, new session, no shared output) that waits
for the agent to return, then keeps rewriting the answer and the log."""

import argparse
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
agent = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        while os.path.exists(f"/proc/{agent}"):
            time.sleep(0.001)
        time.sleep(0.2)
        while True:
            with open(os.path.join(args.workspace, "late.txt"), "a") as fh:
                fh.write("LATE\n")
            with open(os.path.join(args.log_dir, "late.log"), "a") as fh:
                fh.write("LATE\n")
            time.sleep(0.005)
    os._exit(0)
os.wait()
