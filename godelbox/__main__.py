"""`python -m godelbox` is the `godelbox` command."""

from godelbox.cli import main

main()
