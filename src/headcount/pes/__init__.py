"""The post-enumeration survey (事后质量抽查) and the coverage estimate (issue 13)."""
