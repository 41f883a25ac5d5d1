"""PII scanner, redactor and publish gate."""
