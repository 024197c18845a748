"""sandbox: the secure development environment and its output gate (原始数据不出域，数据可用不可见).

Articles: R04.1, R18.1, R18.2, R19.1, R19.2, R23.2, R23.5, R29.1.
"""
