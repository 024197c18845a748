"""catalog: public data resources, their classification and grading, the vault, quality, registration.

Articles: R05.1–R05.3, R07.1, R17.1, R23.1, N-CLS.*, N-REG.* (the catalog issue completes it).
"""
