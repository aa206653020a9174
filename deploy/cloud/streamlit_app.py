"""Streamlit Community Cloud's entry point: Lumen's app.py, in public mode.

Deploy with this file as the entrypoint: Community Cloud then installs the
requirements.txt beside it (CPU-only torch), not the repository's. ``pages``
here links to the repository's pages/, because Streamlit finds a page file
relative to the entrypoint's folder.
"""

import os
import runpy
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Before the app reads its policy (once per process): a hosted app is public.
os.environ["LUMEN_PUBLIC"] = "1"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
runpy.run_path(str(REPO / "app.py"), run_name="__main__")
