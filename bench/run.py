"""`make bench`: every benchmark in this folder, each printing its own markdown table."""

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["import_bench.py", "partition_bench.py", "stability_bench.py", "editor_bench.py"]

if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    for name in BENCHES:
        path = HERE / name
        if path.exists():
            print(f"\n## {name}\n", flush=True)
            runpy.run_path(str(path), run_name="__main__")
