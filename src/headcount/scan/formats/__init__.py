"""One module per file format: read text units with their locations, write a masked copy."""
