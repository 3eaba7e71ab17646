"""The floor under a cold build: what each part of it costs on its own, for the whole corpus.

Each part runs in a fresh process that prints the CPU seconds of that part alone (the median of
``--runs`` processes). The corpus must have been built once with the current code: the parts
read the posts' files, the light views and HTML the build cache keeps, and the sizes of the
files the build wrote; nothing of the corpus is changed.

Library parts, the same calls a build makes:

- start: Python starting and importing what a build imports;
- read: the bytes of every post's ``en.md`` and ``ko.md``;
- yaml: PyYAML's C loader on the front matter of each of those files;
- markdown: markdown-it-py, configured as the build configures it, on every published
  translation's body;
- sanitize: nh3, with the build's cleaner, on each of those HTML bodies;
- templates: Jinja2 rendering every published post's page with the site's theme;
- write: as many files as the build wrote, of the same sizes, two to a folder, each written
  under a temporary name and renamed (into a scratch folder beside the corpus, removed after
  the last run).

kowp-site's own parts: cards (drawing every post's picture card, when a font is installed) and
search (analysing every published post for the search index). Under each, the library calls
it makes that its own code could not replace, timed alone:

- cards_zlib: zlib deflating the drawn rows of every card, with the card writer's settings (the
  rows are captured while the cards are drawn, before the clock starts); the rows that are only
  background are deflated once a process, so they are left out;
- search_words: splitting each document's title and text into words and counting them
  (:func:`kowp_site.search.tokenize.chunks` and ``Counter``), which an index of words needs at least.

    .venv/bin/python benchmarks/cold_floor.py --corpus /tmp/c5k --runs 3 --peers /tmp/peers/bin

The floor of a build on ``--workers`` cores is start + (the library parts) / workers: what a
build that did nothing else would take at best. With Hugo installed (``--peers``), its cold
build is timed in the same run (as ``bench.py`` does) and each floor is also shown as a multiple
of it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import Trash, median_run, peer_scenarios  # noqa: E402
from edit_floor import START, cpu_of  # noqa: E402  (START: what a build imports)

# Every part script gets the site root as argv[1] and prints the CPU seconds of its part last.
PRELUDE = """
import glob, os, pickle, sys, time
from pathlib import Path
root = Path(sys.argv[1])
posts = sorted(glob.glob(str(root / "content" / "posts" / "*" / "*" / "*")))
def files():
    for folder in posts:
        for name in ("en.md", "ko.md"):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                yield path
def front(text):
    return text.split("---\\n", 2)[1] if text.startswith("---\\n") else ""
def published():
    import yaml
    found = []
    for folder in posts:
        path = os.path.join(folder, "ko.md")
        if not os.path.exists(path):
            continue
        text = open(path, encoding="utf-8").read()
        meta = yaml.load(front(text), Loader=yaml.CSafeLoader) or {}
        if meta.get("status") == "published":
            found.append((folder, text.split("---\\n", 2)[2]))
    return found
def entries():
    from kowp_site.site import build, cache, content, render  # the classes the pickles name
    folder = max(glob.glob(str(root / ".kowp-cache" / "build" / "posts-*")), key=os.path.getmtime)
    light, bodies = {}, {}
    for path in sorted(glob.glob(folder + "/*.pickle")):
        light.update(pickle.load(open(path, "rb")))
    for path in sorted(glob.glob(folder + "/bodies/*.pickle")):
        bodies.update(pickle.load(open(path, "rb")))
    return light, bodies
def published_views():
    import dataclasses
    from kowp_site.site import config
    site, _ = config.load(root)
    light, bodies = entries()
    views = [e.view for e in light.values() if e.view is not None and e.post is not None and e.post.translation
             and e.post.translation.status == "published" and e.post.key.path in bodies]
    whole = {v.post.key.path: dataclasses.replace(v, html=bodies[v.post.key.path].html) for v in views}
    return site, views, whole
def published_documents():
    # what the search index reads of every published post, as the build gives it
    from kowp_site.search.outputs import LazyIndex
    site, views, whole = published_views()
    index = LazyIndex(site, views, lambda v: whole[v.post.key.path])
    return site, [index.document(v) for v in views]
def published_specs():
    # every published post's card, or "nan" printed and the part ended when no font draws them
    from kowp_site.site import cards, config
    site, _ = config.load(root)
    light, _ = entries()
    colours = cards.theme_colours(site)
    specs = [cards.spec_of(site, e.post, colours) for e in light.values()
             if e.post is not None and e.post.translation and e.post.translation.status == "published"]
    specs = [s for s in specs if s is not None]
    if not specs:
        print("nan")
        raise SystemExit
    return specs
def timed(each, items):
    # prints the CPU seconds of each(item) for every item
    t = time.process_time()
    for item in items:
        each(item)
    print(time.process_time() - t)
"""

PARTS = {
    "read": """
t = time.process_time()
for path in files():
    with open(path, "rb") as f:
        f.read()
print(time.process_time() - t)
""",
    "yaml": """
import yaml
texts = [front(open(p, encoding="utf-8").read()) for p in files()]
timed(lambda text: yaml.load(text, Loader=yaml.CSafeLoader), texts)
""",
    "markdown": """
from kowp_site.site.markdown import _md
bodies = [body for _, body in published()]
md = _md()
timed(md.render, bodies)
""",
    "sanitize": """
from kowp_site.site.markdown import Renderer, _md
md = _md()
htmls = [md.render(body) for _, body in published()]
clean = Renderer().cleaner.clean
timed(clean, htmls)
""",
    "templates": """
from kowp_site.site import render
site, views, by_path = published_views()
whole = list(by_path.values())
templates = render.Templates(site)
render.render_post(templates, whole[0], None, None)  # the templates compiled before the clock starts
t = time.process_time()
for i, view in enumerate(whole):
    render.render_post(templates, view, whole[i - 1] if i else None, whole[i + 1] if i + 1 < len(whole) else None)
print(time.process_time() - t)
""",
    "write": """
import random
sizes = [f.stat().st_size for f in (root / "site").rglob("*") if f.is_file()]
scratch = Path(sys.argv[2])
data = random.Random(1).randbytes(max(sizes))
t = time.process_time()
for i, size in enumerate(sizes):
    folder = scratch / str(i // 2)
    if i % 2 == 0:
        folder.mkdir()
    temp = folder / f".{i}.tmp"
    temp.write_bytes(data[:size])
    os.replace(temp, folder / f"{i}.html")
print(time.process_time() - t)
""",
    "cards": """
specs = published_specs()
from kowp_site.site.card_drawing import draw
draw(specs[0])
timed(draw, specs)
""",
    "search": """
from kowp_site.search.index import analyse_document
site, documents = published_documents()
timed(lambda doc: analyse_document(doc, site.language), documents)
""",
    # The library calls under cards and search (see the module's docstring).
    "cards_zlib": """
from kowp_site.site import card_png
specs = published_specs()
from kowp_site.site.card_drawing import draw
rows, scanlines = [], card_png._rows
card_png._rows = lambda *band: rows.append(scanlines(*band)) or rows[-1]  # every drawn band, as written
for spec in specs:
    draw(spec)
timed(card_png._deflated, rows)  # the background bands are deflated once a process: not a card's work
""",
    "search_words": """
from collections import Counter
from kowp_site.search.tokenize import chunks
site, documents = published_documents()
timed(lambda doc: (Counter(chunks(doc.text)), Counter(chunks(doc.title))), documents)
""",
}
LIBRARY = ("read", "yaml", "markdown", "sanitize", "templates", "write")
OWN = ("cards", "search")
UNDER_OWN = ("cards_zlib", "search_words")  # zlib under the cards, the word split and count under search


def printed(script: str, root: Path, *args: str) -> float:
    """The CPU seconds a part script prints of the part it measures."""
    out = subprocess.run(
        [sys.executable, "-c", PRELUDE + script, str(root), *args],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"{script.strip().splitlines()[-2]}: failed\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def hugo_cold(corpus: Path, peers: Path, runs: int, trash: Trash) -> float | None:
    """The median wall seconds of Hugo's cold build of the corpus, or None without Hugo."""
    found = [s for s in peer_scenarios(corpus, peers, trash) if s.tool == "Hugo"]
    return median_run(found[0], runs, warmup=True)[0].wall if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a make_corpus.py output (holds kowp/)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="cores the floor divides by")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers/bin"), help="folder holding hugo")
    args = parser.parse_args(argv)
    root = (args.corpus / "kowp").resolve()
    if not (root / "site").is_dir() or not list((root / ".kowp-cache" / "build").glob("posts-*")):
        raise SystemExit(f"build {root} once first")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    figures: dict[str, list[float]] = {"start": [], **{name: [] for name in PARTS}}
    # Scratch folders and Hugo's earlier outputs are removed only at the end: files written right
    # after many were deleted cost several times more in the kernel (see the README on cold runs).
    scratch_root = Path(tempfile.mkdtemp(dir=args.corpus, prefix=".floor-"))
    trash = Trash(args.corpus / ".bench-trash")
    try:
        for run in range(args.runs):
            figures["start"].append(cpu_of([sys.executable, "-c", START], root))
            for name, script in PARTS.items():
                scratch = scratch_root / f"{name}-{run}"
                scratch.mkdir()
                figures[name].append(printed(script, root, str(scratch)))
        hugo = hugo_cold(args.corpus, args.peers, args.runs, trash)
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
        trash.empty()
    medians = {name: statistics.median(runs) for name, runs in figures.items()}
    print(f"{'part':<12} {'median CPU s':>13}  runs")
    for name, runs in figures.items():
        print(f"{name:<12} {medians[name]:>13.3f}  {', '.join(f'{r:.3f}' for r in runs)}")
    library = sum(medians[name] for name in LIBRARY)

    def known(names: tuple[str, ...]) -> float:  # a part without a font to draw with printed nan
        return sum(medians[name] for name in names if medians[name] == medians[name])

    own, under = known(OWN), known(UNDER_OWN)
    print(
        f"library parts: {library:.2f} CPU s; with cards and search: {library + own:.2f} CPU s;"
        f" with only the library calls under them: {library + under:.2f} CPU s"
    )
    floors = (
        ("library parts", library),
        ("with cards and search", library + own),
        ("with only zlib under the cards and the word count under search", library + under),
    )
    for what, cpu in floors:
        floor = medians["start"] + cpu / args.workers
        ratio = f", {floor / hugo:.2f}x Hugo's cold build ({hugo:.2f} s)" if hugo else ""
        print(f"floor on {args.workers} cores, {what}: {floor:.2f} s{ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
