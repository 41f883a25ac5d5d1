"""The web layer: thin routes over the services, one problem handler, server-rendered pages."""
