"""godelbox: a self-improving agent sandbox (Darwin Gödel Machine, PAE and SELF loops)."""

__version__ = "0.1.0"
