"""FIFOs (one a reader would block on forever), a unix socket, and files named like devices."""

import argparse
import os
import socket

parser = argparse.ArgumentParser()
parser.add_argument("--workspace")
parser.add_argument("--problem")
parser.add_argument("--log-dir")
args = parser.parse_args()
os.mkfifo(os.path.join(args.workspace, "pipe"))
os.mkfifo(os.path.join(args.log_dir, "agent.log"))
server = socket.socket(socket.AF_UNIX)
server.bind(os.path.join(args.workspace, "sock"))
for name in ("CON", "NUL", "aux.py", "null", "zero", "tty"):
    with open(os.path.join(args.workspace, name), "w") as fh:
        fh.write("a plain file with a device's name\n")
