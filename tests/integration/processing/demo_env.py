"""The environment a CLI run needs to act on a demo census (its database, keys and audit files)."""

from __future__ import annotations

from headcount.demo import Demo


def demo_env(demo: Demo, password: str = "demo-processing-2020") -> dict[str, str]:
    s = demo.settings
    return {
        "HEADCOUNT_MODE": "demo",
        "HEADCOUNT_DATABASE_URL": s.database_url,
        "HEADCOUNT_KEY_FILE": str(s.key_file),
        "HEADCOUNT_AUDIT_HEAD_FILE": str(s.audit_head_file),
        "HEADCOUNT_AUDIT_SIGNING_KEY_FILE": str(s.audit_signing_key_file),
        "HEADCOUNT_OPERATOR_PASSWORD": password,
    }
