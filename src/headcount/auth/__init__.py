"""Who may do what, where: roles, permissions, area scopes and password rules (pure domain)."""
