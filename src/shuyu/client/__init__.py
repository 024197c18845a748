"""数域 Python 客户端 / shuyu's Python client, for operators working in a notebook.

    from shuyu.client import Client
    c = Client("http://127.0.0.1:8000", token="shuyu_…")
    ws = c.workspace(1)
    job = ws.submit_sql("SELECT district, count(*) AS n FROM r_people GROUP BY district").wait(progress=True)
    job.outputs[0].download()

It speaks only the HTTP API (standard library `urllib`) and imports nothing else from shuyu, so it runs on
an operator's laptop without Django (an import-linter contract keeps it so). See docs/client.md.
"""

from .core import Client, IntegrityMismatch, Job, Output, Reason, ShuyuError, Workspace

__all__ = ["Client", "IntegrityMismatch", "Job", "Output", "Reason", "ShuyuError", "Workspace"]
