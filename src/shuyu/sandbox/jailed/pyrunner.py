"""Python job runner, run inside the jail: executes /job/main.py with the SDK importable.

Everything here runs as the operator's code does, so the host trusts none of it: the exit status and the
files in /out are all that is read back, and the collector and the gate check those.
"""

import runpy
import sys

sys.path[:0] = ["/opt/shuyu", "/opt/site"]

if __name__ == "__main__":
    runpy.run_path("/job/main.py", run_name="__main__")
