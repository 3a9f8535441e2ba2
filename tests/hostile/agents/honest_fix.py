"""An honest agent: applies the fix it carries (fix.patch, next to this file) and stops."""

import argparse
import subprocess
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
patch = Path(__file__).with_name("fix.patch")
subprocess.run(["git", "apply", str(patch)], cwd=args.workspace, check=True)
Path(args.log_dir, "agent.log").write_text("applied the fix\n")
