"""`make bench`: every benchmark in this folder, each printing its own markdown table.

Each runs in a process of its own: the benchmarks configure Django differently (the
import benchmark points it at its own database, the editor benchmark at another), and a
second ``django.setup()`` in one process would keep the first one's settings.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    "import_bench.py",
    "partition_bench.py",
    "stability_bench.py",
    "editor_bench.py",
    "tiles_bench.py",
    "incident_bench.py",
    "export_bench.py",
    "overlay_bench.py",
    "coverage_bench.py",
    "assessment_bench.py",
]

if __name__ == "__main__":
    failed = []
    for name in BENCHES:
        path = HERE / name
        if path.exists():
            print(f"\n## {name}\n", flush=True)
            if subprocess.run([sys.executable, str(path)], cwd=HERE.parent).returncode:
                failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")
