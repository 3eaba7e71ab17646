"""CPU seconds of making a site's search index from nothing, as a cold build makes it.

    python benchmarks/search_index.py SITE                 # 5 runs, the median and every run
    python benchmarks/search_index.py SITE --runs 3 --profile out.prof
    python benchmarks/search_index.py SITE --dump DIR      # also write every index file into DIR

SITE is a site folder built once before (``kowp-site build``: its post cache holds the bodies).
Each run removes the search terms cache, then makes every file under ``search/`` but the page
(meta.json, the shards, the documents files) through the same outputs a build makes, in this
process, with the cyclic garbage collector paused as a build pauses it. The post bodies are read
before the first run: only the index's own work is timed.
``--dump`` writes the files so two versions of the code can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import cProfile
import shutil
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def site_data(root: Path):  # type: ignore[no-untyped-def]
    """What a build's groups read, made as kowp_site.site.build does."""
    from kowp_site.site import build, cache
    from kowp_site.site.entries import WholeViews, assemble, load_posts

    options = build.BuildOptions()
    config, _ = build.load_config(root, options)
    tool = cache.tool_fingerprint()
    found = cache.scan(config)
    posts_cache = build.open_post_cache(config, tool, None)
    entries = load_posts(config, found, posts_cache, options.drafts, options.progress)
    content, _ = assemble(config, entries)
    by_key = {e.post.key.path: e for e in entries if e.post is not None}
    views = build.shown_views(config, content, by_key, options.drafts)
    keys = build.Keys(build.site_key(config, options, tool), {p: e.digest for p, e in by_key.items()}, {}, {})
    data = build.site_data(config, content, views, options, keys, WholeViews(config, found, posts_cache))
    for view in data.published:  # the bodies, read once: not the index's work
        data.whole(view)
    return data


def make_index(data) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """Every index file, from an empty search cache."""
    from kowp_site.search.outputs import PAGE
    from kowp_site.site import cache, groups

    shutil.rmtree(cache.cache_root(data.config) / "search", ignore_errors=True)
    return {o.path: o.make() for o in groups.search(data) if o.path != PAGE}


def peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more run here")
    parser.add_argument("--dump", type=Path, help="write the index files into this folder")
    args = parser.parse_args()
    from kowp_site.site import cache

    with cache.no_gc():
        measure(args)


def measure(args: argparse.Namespace) -> None:
    data = site_data(args.site.resolve())
    import kowp_site

    print(f"{len(data.published)} published posts; code from {Path(kowp_site.__file__).parent}")
    times = []
    files: dict[str, bytes] = {}
    for _ in range(args.runs):
        start = time.process_time()
        files = make_index(data)
        times.append(time.process_time() - start)
    if args.runs:
        print(f"CPU s: median {statistics.median(times):.3f}; runs " + ", ".join(f"{t:.3f}" for t in times))
        print(f"peak RSS of this process (the site's posts and bodies too): {peak_mib():.0f} MiB")
    if args.profile:
        profiler = cProfile.Profile()
        files = profiler.runcall(make_index, data)
        profiler.dump_stats(str(args.profile))
    if args.dump:
        files = files or make_index(data)
        for path, content in files.items():
            target = args.dump / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        print(f"{len(files)} files in {args.dump}")


if __name__ == "__main__":
    main()
