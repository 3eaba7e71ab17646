"""Time the translation memory: build it over a corpus and pre-fill one new stub.

    python benchmarks/tm.py --posts 5000                 # generate a corpus, then measure
    python benchmarks/tm.py --corpus /tmp/c5k --runs 7   # a make_corpus.py output

Each run is a whole ``python -c`` process that loads the configuration, scans every post's
front matter, reads the published translations the pre-filter picks, pairs them and fills the
stub of the corpus's newest untranslated post from its en.md (that post lends nothing to
itself): what ``kowp-site fetch`` adds for one new post. Wall seconds and CPU seconds (from
``os.wait4``) are printed per run, then the medians. Interpreter start-up and imports are
measured too, and shown on their own. Tests never assert times; this script is the judge
(target, issue 13: at most 2 s for 5,000 posts on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent / "shared" / "bench" / "make_corpus.py"

FILL = """
import sys
from pathlib import Path
from kowp_site.fetch.importer import stub_document
from kowp_site.site import config as config_module
from kowp_site.translation import memory, prefill
root, post = Path(sys.argv[1]), sys.argv[2]
config, _ = config_module.load(root)
en = (root / "content" / "posts" / post / "en.md").read_bytes()
head, body = en.decode().split("\\n---\\n", 1)
title = next(l.split(":", 1)[1].strip().strip('"') for l in head.splitlines() if l.startswith("title:"))
stub = stub_document(title, en, body.removeprefix("\\n"))
done = prefill.fill(memory.Memory(config, exclude=frozenset({post})), stub)
print(done.filled, done.total)
"""
IMPORTS = "import kowp_site.translation.memory, kowp_site.translation.prefill, kowp_site.fetch.importer, kowp_site.site.config"


def newest_untranslated(root: Path) -> str:
    """The newest post whose translation is an untranslated stub (YYYY/MM/slug)."""
    posts = root / "content" / "posts"
    for folder in sorted(posts.glob("*/*/*"), reverse=True):
        ko = folder / "ko.md"
        if ko.is_file() and "\nstatus: untranslated" in ko.read_text(encoding="utf-8")[:400]:
            return folder.relative_to(posts).as_posix()
    raise SystemExit(f"{posts}: no untranslated post to fill")


def run(code: str, *args: str) -> tuple[float, float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else "failed")
    return wall, usage.ru_utime + usage.ru_stime, out.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="a make_corpus.py output folder (holds kowp/)")
    source.add_argument("--posts", type=int, help="generate a corpus of this many posts first (in /tmp)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs (after one warm-up)")
    args = parser.parse_args(argv)
    corpus = args.corpus
    if corpus is None:
        corpus = Path(f"/tmp/kowp-bench-{args.posts}")
        if not corpus.exists():
            subprocess.run(
                [sys.executable, str(MAKE_CORPUS), "--posts", str(args.posts), "--out", str(corpus)], check=True
            )
    root = corpus / "kowp"
    post = newest_untranslated(root)
    run(FILL, str(root), post)  # warm-up: the page cache holds the corpus, as after a checkout
    fills, imports = [], []
    for i in range(args.runs):
        wall, cpu, out = run(FILL, str(root), post)
        fills.append((wall, cpu))
        imports.append(run(IMPORTS)[0])
        print(f"run {i + 1}: {wall:.3f} s wall, {cpu:.3f} s CPU; filled/total segments {out}")
    print(
        f"median over {args.runs} runs ({post}): {statistics.median(w for w, _ in fills):.3f} s wall, "
        f"{statistics.median(c for _, c in fills):.3f} s CPU; of which Python start-up and imports "
        f"{statistics.median(imports):.3f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
