"""Fieldwork services: areas, staff, pre-registration, registration, sampling, review."""
