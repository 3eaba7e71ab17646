"""CPU milliseconds of the search index's part of a one-post edit build, each edit in a fresh process.

    python benchmarks/search_edit.py SITE                 # 5 edits, the median and every edit
    python benchmarks/search_edit.py SITE --runs 7 --post 2015/06/some-slug

SITE is a site folder built once before with this code (``kowp-site build``). Each run adds a
numbered paragraph after the front matter of one published post's ``ko.md`` (the first of
2015/06 unless ``--post`` names one; the paragraphs pile up), then runs ``kowp-site build`` in a
new process with one worker (``KOWP_WORKERS=1``: everything is timed in that process) and times
the makers of the files under ``search/`` (meta.json, the shards, the documents files) with
``time.process_time``: reading the kept index, analysing the edited post, patching, writing what
is kept. The build's own comparing and writing of those files is not in the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def edit(site: Path, post: str, n: int) -> None:
    """Add paragraph ``n`` after the front matter of ``post`` (a key path, or "" for the first of 2015/06)."""
    folder = site / "content" / "posts" / post if post else sorted((site / "content/posts/2015/06").iterdir())[0]
    ko = folder / "ko.md"
    head, sep, body = ko.read_text(encoding="utf-8").partition("\n---\n")
    paragraph = f"\n편집 문단 {n}번: 워드프레스 검색 색인 시험{n}, 보안 업데이트 안내.\n"
    ko.write_text(head + sep + paragraph + body, encoding="utf-8")


def timed_build(site: Path) -> tuple[float, float]:
    """One build in this process: CPU seconds in the search makers, and of the whole build."""
    from kowp_site import cli
    from kowp_site.search import outputs

    spent = [0.0]
    for name in ("file", "documents_file"):
        real = getattr(outputs.LazyIndex, name)

        def timed(self, *args, _real=real):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return _real(self, *args)
            finally:
                spent[0] += time.process_time() - start

        setattr(outputs.LazyIndex, name, timed)
    start = time.process_time()
    if cli.main(["build", "--root", str(site)]) != 0:
        raise SystemExit("the build failed")
    return spent[0], time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--post", default="", help="key path of the post to edit (YYYY/MM/slug)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a run: edit, build, print
    args = parser.parse_args()
    if args.one is not None:
        edit(args.site, args.post, args.one)
        search, whole = timed_build(args.site)
        print(f"{search * 1000:.1f} {whole * 1000:.1f}")
        return
    env = {**os.environ, "KOWP_WORKERS": "1"}
    search_ms, build_ms = [], []
    for n in range(args.runs):
        command = [sys.executable, __file__, str(args.site), "--post", args.post, "--one", str(time.time_ns() + n)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        search, whole = map(float, done.stdout.split()[-2:])
        search_ms.append(search)
        build_ms.append(whole)
    print(f"search outputs, CPU ms: median {statistics.median(search_ms):.1f}; runs " + ", ".join(map(str, search_ms)))
    print(f"whole build, CPU ms: median {statistics.median(build_ms):.0f}; runs " + ", ".join(map(str, build_ms)))


if __name__ == "__main__":
    main()
