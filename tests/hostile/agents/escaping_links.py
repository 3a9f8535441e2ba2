"""Links out of the workspace: absolute ones (a host file, /tmp, a device) and one climbing out
with '..'. The host must refuse the answer rather than keep or follow any of them."""

import argparse
import os
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
ws = Path(args.workspace)
os.symlink("/etc/hostname", ws / "hostname")
os.symlink("/tmp", ws / "host_tmp")
os.symlink("/dev/zero", ws / "zeros.bin")
os.symlink("../../../../../../../../etc/passwd", ws / "passwd")
