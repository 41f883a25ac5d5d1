"""All SQL of the store, one module per entity; services call these functions, never SQL."""
