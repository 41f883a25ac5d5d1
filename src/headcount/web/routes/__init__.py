"""Routes: thin adapters from HTTP to the services; one module per audience."""
