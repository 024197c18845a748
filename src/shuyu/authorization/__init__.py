"""authorization: designations, implementation plans, approvals, filings, operator selection, agreements.

Articles: R08.1, R09.1, R10.1, R11.1, R12.1, R13.1, R13.2, R14.1, R14.2, R15.1, R16.1–R16.3, R05.*, R22.1.
"""
