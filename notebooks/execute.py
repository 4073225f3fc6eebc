"""Executes every notebook in this folder headless with nbclient, as CI does.

    python notebooks/execute.py [FOLDER]

The executed copies (with their outputs) go to FOLDER (default: notebooks/executed/, which git
ignores); the notebooks in the repository stay without outputs. A cell that raises fails the
notebook, and any failed notebook makes the exit code 1.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

here = Path(__file__).resolve().parent
out = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "executed"
out.mkdir(parents=True, exist_ok=True)
notebooks = sorted(here.glob("*.ipynb"))
failed = []
for path in notebooks:
    nb = nbformat.read(path, as_version=4)
    started = time.monotonic()
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(here)}})
    try:
        client.execute()
        status = "ok"
    except CellExecutionError as e:
        failed.append(path.name)
        status = "FAILED"
        print(str(e)[-3000:], file=sys.stderr)
    nbformat.write(nb, out / path.name)
    print(f"{path.name}: {status} ({time.monotonic() - started:.1f} s)")
print(f"notebooks: {len(notebooks) - len(failed)} passed, {len(failed)} failed; executed copies in {out}")
sys.exit(1 if failed or not notebooks else 0)
