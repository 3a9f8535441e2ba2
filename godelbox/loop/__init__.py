"""The evolution loop and daemon: select parents, propose children, validate, evaluate, archive."""
