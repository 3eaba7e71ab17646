"""Time drawing picture cards: the median milliseconds of one card, over a site's posts.

    python benchmarks/cards_bench.py --root /tmp/c5k/kowp --cards 300

Each card is drawn from scratch (no kept drawings), one after the other in this process, after one
warm-up card (fonts opened), and timed in CPU seconds of this process (steadier than the wall
clock on a shared machine). Prints the median, the 10th and 90th percentiles and the mean
PNG size. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from kowp_site.site import cards, content
from kowp_site.site.config import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="a site root (holds content/)")
    parser.add_argument("--cards", type=int, default=300, help="how many posts' cards to draw")
    args = parser.parse_args()
    config, _ = load(args.root)
    loaded, _ = content.load(config)
    specs = [s for s in (cards.spec_of(config, p) for p in loaded.posts if p.translation) if s is not None]
    specs = specs[: args.cards + 1]
    if len(specs) < 2:
        raise SystemExit("no card to draw: no Korean font, or no translated post")
    cards.draw(specs[0])  # warm-up: the fonts are opened once per process
    times, sizes = [], []
    for spec in specs[1:]:
        start = time.process_time()
        data = cards.draw(spec)
        times.append((time.process_time() - start) * 1000)
        sizes.append(len(data))
    q = statistics.quantiles(times, n=10)
    print(
        f"{len(times)} cards: median {statistics.median(times):.1f} ms, p10 {q[0]:.1f} ms, p90 {q[-1]:.1f} ms, "
        f"mean PNG {statistics.mean(sizes) / 1024:.1f} KiB"
    )


if __name__ == "__main__":
    main()
