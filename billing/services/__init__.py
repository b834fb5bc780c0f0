"""Every write billing makes, one module per sub-domain (see the modules' docstrings)."""
