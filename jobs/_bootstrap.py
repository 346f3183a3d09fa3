"""Lets a stage file run as a plain script (a Databricks spark_python_task) as well as a module.

Databricks puts the script's own folder on sys.path; the packages it imports sit one level up.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
