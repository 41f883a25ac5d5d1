"""Questionnaires as data and the one rule engine: forms, edits, online and batch executors."""
