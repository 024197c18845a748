"""orgs: regions (R02.1, N-GEO.*), organizations with their 统一社会信用代码 (N-USCC.*), people, roles,
API tokens, credit records (失信, R14.2, R29.1)."""
