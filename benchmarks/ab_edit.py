"""A/B of one-post edits: two kowp-site source trees, each on its own copy of a corpus, alternated.

Each round edits the newest translation of both copies (a new first paragraph, as ``bench.py``
does) and builds each once, A then B, in fresh processes; the CPU seconds (user + system) and
minor page faults of every build are printed, then the medians and the median of the B/A ratios
of the pairs. Alternating cancels most of a shared machine's drift; the ratio is the figure.

    git archive 67b55f8 | tar -x -C /tmp/old
    cp -r /tmp/c5k/kowp /tmp/copy-a && cp -r /tmp/c5k/kowp /tmp/copy-b
    .venv/bin/python benchmarks/ab_edit.py --a /tmp/old --a-root /tmp/copy-a \\
        --b . --b-root /tmp/copy-b --rounds 40 --b-without search cards follow_pages \\
        --b-default-image-size 1200,630

``--b-without`` leaves those build groups out of B's builds (``kowp_site.site.build.GROUPS``),
to compare B with a tree that had none of them, and ``--b-default-image-size`` gives B the size
of the default link image instead of reading it with Pillow (with ``cards = false`` in B's
copy, a post without an image falls back to it). A is always built as it is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import edited, measure, newest_translation  # noqa: E402

# Builds the site at argv[1] without the groups named in argv[3:] (kowp_site.site.build.GROUPS);
# argv[2], when not "", is "W,H": the default link image's size, given instead of read with Pillow.
WITHOUT = """
import sys
from kowp_site.site import build, cards
build.GROUPS = tuple(g for g in build.GROUPS if g.__name__ not in sys.argv[3:])
if sys.argv[2]:
    size = tuple(int(n) for n in sys.argv[2].split(","))
    cards.image_size = lambda path: size
from kowp_site import cli
sys.argv = ["kowp-site", "build", "--root", sys.argv[1]]
sys.exit(cli.console())  # ends as the kowp-site command does
"""


def run(tree: Path, root: Path, without: list[str], image_size: str = "") -> tuple[float, int]:
    """CPU seconds and minor page faults of one build of ``root`` with the source ``tree``."""
    plain = [sys.executable, "-m", "kowp_site", "build"]
    command = [sys.executable, "-c", WITHOUT, str(root), image_size, *without] if without or image_size else plain
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    found = measure(command, root, env)
    return found.cpu, found.faults


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="source tree A (holds kowp_site/)")
    parser.add_argument("--a-root", type=Path, required=True, help="A's copy of the corpus's kowp/ folder")
    parser.add_argument("--b", type=Path, required=True, help="source tree B")
    parser.add_argument("--b-root", type=Path, required=True, help="B's copy of the corpus's kowp/ folder")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--b-without", nargs="*", default=[], help="build groups left out of B's builds")
    parser.add_argument(
        "--b-default-image-size",
        default="",
        metavar="W,H",
        help="B's default link image size, given instead of read with Pillow (a later feature's cost left out)",
    )
    args = parser.parse_args(argv)
    sides = [
        ("A", args.a, args.a_root.resolve(), [], ""),
        ("B", args.b, args.b_root.resolve(), args.b_without, args.b_default_image_size),
    ]
    originals = {
        root: (target, target.read_bytes()) for _, _, root, *_ in sides for target in [newest_translation(root)]
    }
    figures: dict[str, list[tuple[float, int]]] = {"A": [], "B": []}
    try:
        for n in range(-2, args.rounds):  # two rounds of warm-up (the first builds may be whole ones)
            for name, tree, root, without, image_size in sides:
                target, original = originals[root]
                target.write_bytes(edited(original, 10_000 + n))
                found = run(tree, root, without, image_size)
                if n >= 0:
                    figures[name].append(found)
                    print(f"{name} {found[0]:.3f} CPU s, {found[1]} minor faults", file=sys.stderr)
    finally:
        for target, original in originals.values():
            target.write_bytes(original)
    for name, runs in figures.items():
        cpu = statistics.median(r[0] for r in runs)
        faults = statistics.median(r[1] for r in runs)
        print(f"{name}: median {cpu:.3f} CPU s, {faults:.0f} minor faults, {len(runs)} builds")
    ratios = [b[0] / a[0] for a, b in zip(figures["A"], figures["B"], strict=True) if a[0] > 0]
    if len(ratios) >= 2:
        q1, _, q3 = statistics.quantiles(ratios, n=4)
        print(f"B/A per pair: median {statistics.median(ratios):.3f}, quartiles {q1:.3f} and {q3:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
