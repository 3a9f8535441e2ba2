"""100,000 small files in the workspace."""

import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
for d in range(100):
    folder = os.path.join(args.workspace, "flood", f"d{d:03}")
    os.makedirs(folder)
    for f in range(1000):
        with open(os.path.join(folder, f"f{f:04}.txt"), "w") as fh:
            fh.write("x")
