"""Measure the search index of a built site: sizes against the budgets, query time in Python and
through search.js in Chromium, and recall / precision@10 on the test query table.

    python benchmarks/search.py --corpus /tmp/c5k            # make_corpus.py output: builds DIR/kowp
    python benchmarks/search.py --site /tmp/c5k-site         # an already built site
    python benchmarks/search.py --site /tmp/c5k-site --no-browser

Budgets (issue 14), gzip-compressed as a browser downloads them: the whole index (every file
under search/ but the page) at most 3 MB, each shard at most 32 KB. Times are medians.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WHOLE_BUDGET = 3 * 1024 * 1024
SHARD_BUDGET = 32 * 1024
# Words of the benchmark corpus's Korean and English, bare and with particles and endings.
QUERIES = (
    "플러그인",
    "플러그인을",
    "보안 업데이트",
    "접근성의",
    "워드프레스",
    "테마를",
    "개선했습니다",
    "Gutenberg",
    "REST API",
    "블록 편집기",
    "자원봉사자와",
    "워드캠프에서",
    "성능",
    "번역",
    "없는낱말",
)


def sizes(folder: Path) -> dict[str, object]:
    files = sorted(p for p in (folder / "search").rglob("*.json"))
    raw = {p.relative_to(folder).as_posix(): p.stat().st_size for p in files}
    gz = {p.relative_to(folder).as_posix(): len(gzip.compress(p.read_bytes(), 9, mtime=0)) for p in files}
    shards = {k: v for k, v in gz.items() if k.startswith("search/index/")}
    docs = {k: v for k, v in gz.items() if k.startswith("search/docs/")}
    biggest = max(shards, key=shards.__getitem__)
    return {
        "files": len(files),
        "shards": len(shards),
        "documents files": len(docs),
        "whole raw bytes": sum(raw.values()),
        "whole gzip bytes": sum(gz.values()),
        "shard gzip median": statistics.median(shards.values()),
        "shard gzip max": shards[biggest],
        "largest shard": biggest,
        "meta.json gzip": gz["search/meta.json"],
        "documents file gzip max": max(docs.values()),
        "within budgets": sum(gz.values()) <= WHOLE_BUDGET and shards[biggest] <= SHARD_BUDGET,
    }


def python_times(folder: Path, runs: int) -> dict[str, float]:
    from kowp_site.search.index import Searcher

    def load(name: str) -> bytes:
        return (folder / "search" / name).read_bytes()

    times, counts = [], {}
    for query in QUERIES:
        best = []
        for _ in range(runs):
            start = time.perf_counter()
            hits = Searcher(load).search(query)
            best.append(time.perf_counter() - start)
        times.append(statistics.median(best))
        counts[query] = len(hits)
    return {"python median ms": 1000 * statistics.median(times), "python max ms": 1000 * max(times), "hits": counts}


def browser_times(folder: Path, runs: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, LocalServer
    from tests.test_search_browser import DONE

    server = LocalServer(folder)
    cold, warm, fetched = [], [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            for query in QUERIES:
                for _ in range(runs):
                    context = browser.new_context()  # an empty HTTP cache: every file fetched
                    page = context.new_page()
                    got: list[int] = []
                    page.on(
                        "response",
                        lambda r, got=got: (
                            "/search/" in r.url and r.url.endswith(".json") and got.append(len(r.body()))
                        ),
                    )
                    page.goto(server.url + "search/?q=" + quote(query), wait_until="load")
                    page.wait_for_function(DONE)
                    cold.append(page.evaluate("performance.getEntriesByName('kowp-search').pop().duration"))
                    fetched.append(sum(got))
                    # The same query again on the page: files come from the script's own cache.
                    page.locator("#search-page-q").fill(query + " ")
                    page.locator("#search-page-q").press("Enter")
                    page.wait_for_function("performance.getEntriesByName('kowp-search').length === 2")
                    warm.append(page.evaluate("performance.getEntriesByName('kowp-search').pop().duration"))
                    context.close()
            browser.close()
    finally:
        server.close()
    return {
        "chromium cold median ms": statistics.median(cold),
        "chromium cold max ms": max(cold),
        "chromium warm median ms": statistics.median(warm),
        "bytes fetched per query (uncompressed) median": statistics.median(fetched),
    }


def query_table() -> dict[str, float]:
    from kowp_site.site.build import BuildOptions, build
    from tests import search_corpus
    from tests.conftest import SiteBuilder
    from tests.test_search import Reader

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        search_corpus.write_corpus(SiteBuilder(root))
        build(root, BuildOptions())
        return search_corpus.measure(Reader(root / "site"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="make_corpus.py output folder: its kowp/ is built first")
    parser.add_argument("--site", type=Path, help="a built site folder (the output of kowp-site build)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each query (default 3)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    args = parser.parse_args()
    if args.site is None and args.corpus is None:
        parser.error("give --corpus or --site")
    folder = args.site
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="kowp-search-")) / "site"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kowp_site", "build", "--root", str(args.corpus / "kowp"), "--output", str(folder)],
            check=True,
        )
        print(f"built {folder} in {time.perf_counter() - start:.1f} s")
    report: dict[str, object] = {
        "site": str(folder),
        "posts indexed": len(json.loads((folder / "search/meta.json").read_bytes())["len"]),
    }
    report.update(sizes(folder))
    report.update(python_times(folder, args.runs))
    if not args.no_browser:
        report.update(browser_times(folder, args.runs))
    report["query table"] = query_table()
    for key, value in report.items():
        print(f"{key:48} {value:.2f}" if isinstance(value, float) else f"{key:48} {value}")


if __name__ == "__main__":
    main()
