"""CLI command groups, one module each; ``headcount.cli`` registers them. Commands parse, call the
domain or service layer, and print: JSON on stdout with ``--json``, Rich for people."""
