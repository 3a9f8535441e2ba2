"""Names with newlines, terminal escape sequences and bytes that are not UTF-8, and output full
of escape sequences (clear screen, window title, a hyperlink, cursor moves)."""

import argparse
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
ws = os.fsencode(args.workspace)
for name in (b"evil\nname.py", b"\x1b]0;pwned\x07title", b"\x1b[2Jclear", b"bad\xff\xfe.py"):
    with open(os.path.join(ws, name), "wb") as fh:
        fh.write(b"x\n")
os.makedirs(os.path.join(ws, b"dir\rwith\x07bell", b"inner"))
with open(os.path.join(args.workspace, "fine.txt"), "w") as fh:
    fh.write("a well-named file\n")
sys.stdout.write("\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]8;;http://evil.invalid\x07click\x1b]8;;\x07\n")
sys.stderr.write("\x9b31mC1 CSI\x1b[1A\x1b[Krewritten line\r\n")
