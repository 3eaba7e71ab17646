"""The floor under a one-post edit build: what the parts it cannot skip cost on their own.

Each figure is the median of ``--runs`` fresh processes (CPU seconds of the process), on a
corpus built once with the current code (its ``.kowp-cache`` is read, nothing is written):

- start: Python starting and importing what an edit build imports (the build, Markdown,
  templates, feeds);
- stat: ``os.stat`` of every post folder and its two Markdown files, nothing else (timed inside);
- unpickle: reading the light post cache (every post's entry), nothing else (timed inside, the
  modules its classes live in imported first);
- edit: a whole one-post edit build (``kowp-site build`` after a new first paragraph).

    .venv/bin/python benchmarks/edit_floor.py --corpus /tmp/c5k --runs 5
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import edited, newest_translation  # noqa: E402

START = (
    "import kowp_site.cli, kowp_site.site.build, kowp_site.site.render, kowp_site.site.markdown, "
    "kowp_site.site.content, kowp_site.site.groups, kowp_site.search.outputs, feedgen.feed"
)
STAT = """
import os, sys, time
t = time.process_time()
for year in os.scandir(sys.argv[1]):
    for month in os.scandir(year.path):
        for post in os.scandir(month.path):
            os.stat(post.path)
            for name in ("en.md", "ko.md"):
                try:
                    os.stat(os.path.join(post.path, name))
                except FileNotFoundError:
                    pass
print(time.process_time() - t)
"""
UNPICKLE = """
import gc, glob, pickle, sys, time
import kowp_site.site.build, kowp_site.site.cache, kowp_site.site.content, kowp_site.site.render
import kowp_site.site.markdown, kowp_site.site.images
gc.disable()
t = time.process_time()
for path in sorted(glob.glob(sys.argv[1] + "/*.pickle")):
    with open(path, "rb") as f:
        pickle.load(f)
print(time.process_time() - t)
"""


def printed(command: list[str], cwd: Path) -> float:
    """The CPU seconds a script prints of the part it measures."""
    out = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def cpu_of(command: list[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": ""})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a make_corpus.py output (holds kowp/)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    root = args.corpus / "kowp"
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    newest = sorted((root / ".kowp-cache" / "build").glob("posts-*"), key=lambda d: d.stat().st_mtime_ns)
    if not newest:
        raise SystemExit(f"build {root} once first")
    target = newest_translation(root)
    original = target.read_bytes()
    figures: dict[str, list[float]] = {"start": [], "stat": [], "unpickle": [], "edit": []}
    try:
        subprocess.run([python, "-m", "kowp_site", "build"], cwd=root, check=True, stdout=subprocess.DEVNULL)
        for n in range(args.runs):
            figures["start"].append(cpu_of([python, "-c", START], root))
            figures["stat"].append(printed([python, "-c", STAT, str(root / "content" / "posts")], root))
            figures["unpickle"].append(printed([python, "-c", UNPICKLE, str(newest[-1])], root))
            target.write_bytes(edited(original, 1000 + n))
            figures["edit"].append(cpu_of([python, "-m", "kowp_site", "build"], root))
    finally:
        target.write_bytes(original)
    bare = cpu_of([python, "-c", "pass"], root)
    print(f"{'part':<10} {'median CPU s':>13}  runs")
    print(f"{'python':<10} {bare:>13.3f}  (a bare interpreter, once)")
    for name, runs in figures.items():
        print(f"{name:<10} {statistics.median(runs):>13.3f}  {', '.join(f'{r:.3f}' for r in runs)}")
    floor = sum(statistics.median(figures[k]) for k in ("start", "stat", "unpickle"))
    edit = statistics.median(figures["edit"])
    print(f"start + stat + unpickle: {floor:.3f} CPU s, {floor / edit:.0%} of the edit's {edit:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
