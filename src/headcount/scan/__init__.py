"""PII scanner, redactor and publish gate (issue 7): rule-based, offline, no model downloads.

from headcount.scan import gate
gate.require_clean([path])          # every export: raises PUBLISH_BLOCKED unless clean
verdict = gate.check(paths)         # verdict.to_json(), verdict.to_sarif()
redact_file(source, target)         # masked copy in the same format, atomically
"""

from headcount.scan import gate
from headcount.scan.findings import PII_TYPES, Finding, Hit, Location, PiiType
from headcount.scan.policy import DEFAULT_POLICY, Policy, Rule, load_policy
from headcount.scan.recognizers import Scanner
from headcount.scan.redact import RedactResult, redact_file
from headcount.scan.report import FileReport, scan_file, scan_paths

__all__ = [
    "DEFAULT_POLICY",
    "PII_TYPES",
    "FileReport",
    "Finding",
    "Hit",
    "Location",
    "PiiType",
    "Policy",
    "RedactResult",
    "Rule",
    "Scanner",
    "gate",
    "load_policy",
    "redact_file",
    "scan_file",
    "scan_paths",
]
