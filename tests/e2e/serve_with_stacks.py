"""``python -m streamlit`` with faulthandler on: a crash prints every thread's
Python stack, and so does SIGUSR1 (``AppServer.report`` sends it when a browser
test fails, so a server that hangs shows where).

Usage: ``python tests/e2e/serve_with_stacks.py run app.py [streamlit options]``.
"""

import faulthandler
import runpy
import signal
import sys

faulthandler.enable(all_threads=True)
faulthandler.register(signal.SIGUSR1, all_threads=True)
sys.argv[0] = "streamlit"
runpy.run_module("streamlit", run_name="__main__")
