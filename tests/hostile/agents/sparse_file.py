"""A 1 GB sparse file: a few blocks in the sandbox, a gigabyte on the host if copied."""

import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
with open(os.path.join(args.workspace, "huge.bin"), "wb") as fh:
    fh.truncate(1 << 30)
