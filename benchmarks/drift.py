"""How fast the machine is, minute by minute: for telling a change's effect from the machine's drift.

Every ``--every`` seconds, for ``--minutes`` minutes, each in a fresh process:

- compute: a pure-Python loop (5 million additions), CPU seconds;
- chase: following 2 million links of a random cycle through 4 million list slots, seconds of
  the walk alone (memory latency: the slots are far more than the caches hold);
- edit: a one-post edit build of ``--corpus`` (as ``bench.py``'s scenario), wall and CPU seconds;
- hugo: Hugo's cold build of the corpus into a new folder, when Hugo is installed.

One JSON line a round on standard output; at the end, each figure's median, its spread (the
largest over the smallest) and its correlation with the edit's CPU seconds. A change's A/B is
worth reading only next to a spread much smaller than its effect.

    .venv/bin/python benchmarks/drift.py --corpus /tmp/c5k --minutes 30 > /tmp/drift.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import edited, measure, newest_translation  # noqa: E402
from edit_floor import printed  # noqa: E402

COMPUTE = "x = 0\nfor i in range(5_000_000):\n    x += i\n"
CHASE = """import random, time
n = 4_000_000
order = list(range(n))
random.Random(1).shuffle(order)
nxt = [0] * n
for a, b in zip(order, order[1:] + order[:1]):
    nxt[a] = b
t = time.perf_counter()
i = 0
for _ in range(2_000_000):
    i = nxt[i]
print(time.perf_counter() - t)
"""


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall and CPU seconds of one process (see bench.measure)."""
    run = measure(command, cwd, env)
    return {"wall": round(run.wall, 3), "cpu": round(run.cpu, 3)}


def summary(rows: list[dict[str, Any]]) -> list[str]:
    """Each figure's median, spread and correlation with the edit's CPU seconds."""
    figures = {
        "compute CPU s": [r["compute"]["cpu"] for r in rows],
        "chase s": [r["chase"] for r in rows],
        "edit CPU s": [r["edit"]["cpu"] for r in rows],
        "edit wall s": [r["edit"]["wall"] for r in rows],
    }
    if all("hugo" in r for r in rows):
        figures["hugo wall s"] = [r["hugo"]["wall"] for r in rows]
    edit = figures["edit CPU s"]
    lines = []
    for name, values in figures.items():
        spread = max(values) / min(values) if min(values) > 0 else float("nan")
        corr = statistics.correlation(values, edit) if len(values) > 2 and len(set(values)) > 1 else float("nan")
        lines.append(f"{name:<14} median {statistics.median(values):.3f}  spread {spread:.2f}x  r(edit) {corr:+.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a make_corpus.py output, built once")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--every", type=float, default=60, help="seconds from one round's start to the next")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers/bin"), help="folder holding hugo")
    args = parser.parse_args(argv)
    root = (args.corpus / "kowp").resolve()
    target = newest_translation(root)
    original = target.read_bytes()
    hugo = args.peers / "hugo"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    python = sys.executable
    rows: list[dict[str, Any]] = []
    end = time.monotonic() + 60 * args.minutes
    with tempfile.TemporaryDirectory(dir=args.corpus, prefix=".drift-") as scratch:
        try:
            while time.monotonic() < end:
                began = time.monotonic()
                row: dict[str, Any] = {"at": time.strftime("%H:%M:%S")}
                row["compute"] = timed([python, "-c", COMPUTE], root)
                row["chase"] = round(printed([python, "-c", CHASE], root), 3)  # the walk's own seconds
                target.write_bytes(edited(original, len(rows)))
                row["edit"] = timed([python, "-m", "kowp_site", "build"], root, env)
                if hugo.exists() and (args.corpus / "hugo").is_dir():
                    dest = Path(scratch) / f"hugo-{len(rows)}"  # a new folder: nothing deleted meanwhile
                    row["hugo"] = timed([str(hugo), "--quiet", "--destination", str(dest)], args.corpus / "hugo")
                print(json.dumps(row), flush=True)
                rows.append(row)
                time.sleep(max(0.0, args.every - (time.monotonic() - began)))
        except KeyboardInterrupt:
            pass
        finally:
            target.write_bytes(original)
    if len(rows) >= 3:
        print("\n".join(summary(rows)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
