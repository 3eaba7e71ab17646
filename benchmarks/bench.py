"""Time kowp-site builds (cold, no change, one post edited) and, when installed, Hugo and Pelican.

    python benchmarks/bench.py --posts 5000                  # generate a corpus, then measure
    python benchmarks/bench.py --corpus /tmp/c5k --runs 5    # use make_corpus.py output
    python benchmarks/bench.py --corpus /tmp/c5k --peers /tmp/peers/bin

Every figure is a whole process: wall seconds, CPU seconds (user + system of the process and the
workers it waited for) and peak RSS (the largest single process), from ``os.wait4``. The table
shows medians; the ratio columns compare with Hugo's and Pelican's cold builds of the same posts,
measured in the same run. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKE_CORPUS = HERE.parent.parent / "shared" / "bench" / "make_corpus.py"


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mib: float
    written: int | None = None  # files created or changed in the output folder
    faults: int = 0  # minor page faults of the process and the workers it waited for


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{stderr}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, faults=usage.ru_minflt)


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Inode, size and mtime of every file: any write shows up as a difference."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            found[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def written(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]) -> int:
    return sum(1 for p, s in after.items() if before.get(p) != s) + len(before.keys() - after.keys())


class Trash:
    """Where cold runs put the previous output: moved aside now, deleted after the last run.

    Deleting thousands of files just before a build makes the build pay for it: on a journal-less
    ext4 (as on the benchmark machines) the inode allocator steps over every inode freed in the
    last seconds, so file creation slows down several-fold. Every tool's cold run gets the same
    treatment, and none of them pays for the deletions of the benchmark itself. The slowdown
    lasts minutes, so a run started right after another one's deletions pays for them: with
    ``keep`` nothing is deleted (see ``--keep-trash``).
    """

    def __init__(self, folder: Path, keep: bool = False):
        # keep: nothing deleted, each run in a folder of its own (deleting many files slows the
        # writes of the next minutes, so back-to-back runs would pay for each other's)
        self.folder = folder / str(time.time_ns()) if keep else folder
        self.keep = keep
        self.count = 0

    def clear(self, path: Path) -> None:
        if path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            self.count += 1
            path.rename(self.folder / f"{self.count}-{path.name}")

    def empty(self) -> None:
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Scenario:
    tool: str
    name: str
    prepare: Callable[[int], None]
    command: list[str]
    cwd: Path
    output: Path | None = None  # measure files written when set
    env: dict[str, str] | None = None


def median_run(scenario: Scenario, runs: int, warmup: bool) -> tuple[Run, list[Run]]:
    results = []
    for i in range(runs + (1 if warmup else 0)):
        scenario.prepare(i)
        before = snapshot(scenario.output) if scenario.output and scenario.output.exists() else {}
        run = measure(scenario.command, scenario.cwd, scenario.env)
        if scenario.output:
            run = Run(run.wall, run.cpu, run.rss_mib, written(before, snapshot(scenario.output)))
        if i or not warmup:
            results.append(run)
    walls = sorted(results, key=lambda r: r.wall)
    mid = walls[len(walls) // 2]
    return (
        Run(
            statistics.median(r.wall for r in results),
            statistics.median(r.cpu for r in results),
            max(r.rss_mib for r in results),
            mid.written,
        ),
        results,
    )


def kowp_scenarios(corpus: Path, kowp: list[str], edit_target: Path, trash: Trash) -> list[Scenario]:
    root = corpus / "kowp"
    site = root / "site"
    original = edit_target.read_bytes()
    # As on a user's machine after the first run, kowp-site's bytecode is cached (an editable
    # install has none, and some shells set PYTHONDONTWRITEBYTECODE, which recompiles it each run).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    command = [*kowp, "build", "--root", str(root)]

    def build_now() -> None:
        subprocess.run(command, check=True, capture_output=True, env=env)

    def cold(_: int) -> None:
        trash.clear(site)
        trash.clear(root / ".kowp-cache")

    def settled(_: int) -> None:
        if not site.exists():
            build_now()

    def edit(i: int) -> None:
        settled(i)
        edit_target.write_bytes(edited(original, time.time_ns()))

    def restored(i: int) -> None:
        """As a CI deploy with the cache restored: a fresh checkout (every file's mtime differs)
        and no site/ yet."""
        edit_target.write_bytes(original)
        build_now()
        trash.clear(site)
        stamp = time.time_ns()
        for folder, _, files in os.walk(root / "content"):
            for name in files:
                os.utime(os.path.join(folder, name), ns=(stamp, stamp))

    return [
        Scenario("kowp-site", "cold full build", cold, command, root, site, env),
        Scenario("kowp-site", "no-change rebuild", settled, command, root, site, env),
        Scenario("kowp-site", "one post edited", edit, command, root, site, env),
        Scenario("kowp-site", "deploy, cache restored", restored, command, root, site, env),
    ]


def peer_scenarios(corpus: Path, peers: Path, trash: Trash) -> list[Scenario]:
    found = []
    hugo, pelican = peers / "hugo", peers / "pelican"
    if hugo.exists() and (corpus / "hugo").is_dir():
        dest = corpus / "hugo-out"

        def hugo_cold(_: int) -> None:
            trash.clear(dest)
            trash.clear(corpus / "hugo" / "resources")

        found.append(
            Scenario(
                "Hugo",
                "cold full build",
                hugo_cold,
                [str(hugo), "--quiet", "--destination", str(dest)],
                corpus / "hugo",
            )
        )
    if pelican.exists() and (corpus / "pelican").is_dir():
        dest = corpus / "pelican-out"
        found.append(
            Scenario(
                "Pelican",
                "full build, cache off",
                lambda _: trash.clear(dest),
                [str(pelican), "content", "-o", str(dest), "-s", "pelicanconf.py"],
                corpus / "pelican",
            )
        )
    return found


def newest_translation(root: Path) -> Path:
    """The ko.md translated most recently: an edit there touches the most outputs (its page, its
    neighbours, the first home and category pages, the archive, every feed)."""
    best: tuple[str, str] = ("", "")
    for ko in (root / "content" / "posts").glob("*/*/*/ko.md"):
        head = ko.read_text(encoding="utf-8")[:1500]
        if "\nstatus: published" in head:
            found = re.search(r"^translated: *(\S+)", head, re.MULTILINE)
            if found:
                best = max(best, (found.group(1), str(ko)))
    if not best[1]:
        raise SystemExit("no published post in the corpus")
    return Path(best[1])


def edited(original: bytes, n: int) -> bytes:
    """The file with a new first paragraph, so the post's summary changes too."""
    text = original.decode("utf-8")
    end = text.index("\n---\n", 4) + len("\n---\n")
    return (text[:end] + f"\n편집한 첫 문단 {n}입니다.\n" + text[end:]).encode("utf-8")


@dataclass(frozen=True)
class Served:
    """One `serve` session: seconds to the first page, then seconds from each save to its text served."""

    tool: str
    first_page: float | None
    saves: list[float]
    start: str = ""  # kowp-site: "first start" (no preview yet) or "restart" (the last preview kept)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(url: str, until: Callable[[str], bool], timeout: float) -> float | None:
    """Seconds until GET ``url`` answers 200 with a body for which ``until`` holds (None: timed out)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - loopback only
                if reply.status == 200 and until(reply.read().decode("utf-8", "replace")):
                    return time.perf_counter() - start
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
            pass  # not listening yet, or an answer cut short: ask again
        time.sleep(0.005)
    return None


def measure_serve(
    tool: str, command: list[str], cwd: Path, page: str, target: Path, runs: int, start_kind: str = ""
) -> Served:
    """Start a dev server, wait for ``page``, then save ``target`` ``runs`` + 1 times (the first is a
    warm-up) and time each save until the page carries the new text; a real HTTP client polls."""
    original = target.read_bytes()
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saves: list[float] = []
    first = None
    try:
        waited = poll(page, lambda _: True, 600)
        first = time.perf_counter() - start if waited is not None else None
        for i in range(runs + 1 if first is not None else 0):
            marker = f"kowpbench{time.time_ns()}"
            time.sleep(0.3)  # a translator does not save twice within a debounce
            target.write_bytes(edited(original, marker))
            took = poll(page, lambda body, m=marker: m in body, 60)
            if took is None:
                break
            if i:
                saves.append(took)
    finally:
        target.write_bytes(original)
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    return Served(tool, first, saves, start_kind)


def serve_sessions(corpus: Path, kowp: list[str], peers: Path, target: Path, runs: int, trash: Trash) -> list[Served]:
    """kowp-site's server started on one port (as a translator does, on the default port): first
    on a site never built (no site/, no cache), then with site/ built and no preview yet, then
    again, when it serves the last preview while building; then Hugo's."""
    root = corpus / "kowp"
    year, month, slug = target.parent.relative_to(root / "content" / "posts").parts
    port = free_port()
    env_command = [*kowp, "serve", "--root", str(root), "--port", str(port), "--no-drafts"]
    page = f"http://127.0.0.1:{port}/{year}/{month}/{slug}/"
    found = []
    aside = [(root / name, root / f".bench-aside-{name}") for name in ("site", ".kowp-cache")]
    for path, kept in aside:
        if path.exists():
            path.rename(kept)
    try:  # a fresh clone: nothing built, nothing cached
        found.append(measure_serve("kowp-site", env_command, root, page, target, runs, "first start, nothing built"))
    finally:
        for path, kept in aside:
            trash.clear(path)
            if kept.exists():
                kept.rename(path)
    if (root / "site" / "index.html").is_file():
        trash.clear(root / ".kowp-cache" / "serve")
        found.append(measure_serve("kowp-site", env_command, root, page, target, runs, "first start, site/ built"))
    found.append(measure_serve("kowp-site", env_command, root, page, target, runs, "restart"))
    hugo = peers / "hugo"
    hugo_post = corpus / "hugo" / "content" / "posts" / f"{slug}.md"
    if hugo.exists() and hugo_post.exists():
        port = free_port()
        command = [str(hugo), "server", "--port", str(port), "--bind", "127.0.0.1", "--quiet"]
        found.append(
            measure_serve("Hugo", command, corpus / "hugo", f"http://127.0.0.1:{port}/posts/{slug}/", hugo_post, runs)
        )
    return found


# The targets of the speed issue: (tool, run) -> (limit, what the limit is measured against).
TARGETS = {
    ("kowp-site", "no-change rebuild"): 0.3,
    ("kowp-site", "one post edited"): 0.6,
    ("kowp-site", "serve: save -> new text served"): 0.15,
}


def serve_table(sessions: list[Served]) -> str:
    lines = ["| tool | run | median s | every run | target s | met |", "|---|---|---:|---|---:|---|"]
    hugo_first = next((s.first_page for s in sessions if s.tool == "Hugo"), None)
    for s in sessions:
        first = f"{s.first_page:.2f}" if s.first_page is not None else "timed out"
        limit = f"≤ {hugo_first:.2f} (Hugo)" if s.tool == "kowp-site" and hugo_first else "–"
        met = (
            ("yes" if s.first_page is not None and s.first_page <= hugo_first else "MISSED")
            if hugo_first and s.tool == "kowp-site"
            else "–"
        )
        start = f" ({s.start})" if s.start else ""
        lines.append(f"| {s.tool} | serve: first page served{start} | {first} | – | {limit} | {met} |")
        if s.saves:
            median = statistics.median(s.saves)
            every = ", ".join(f"{x * 1000:.0f} ms" for x in s.saves)
            goal = TARGETS.get((s.tool, "serve: save -> new text served"))
            met = ("yes" if median <= goal else "MISSED") if goal else "–"
            lines.append(
                f"| {s.tool} | serve: save -> new text served{start} | {median:.3f} | {every} |"
                f" {f'≤ {goal}' if goal else '–'} | {met} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", type=Path, help="a make_corpus.py output folder (holds kowp/, hugo/, pelican/)")
    source.add_argument("--posts", type=int, help="generate a corpus of this many posts first")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"), help="where --posts corpora go (default /tmp)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per scenario (after one warm-up)")
    parser.add_argument("--peer-runs", type=int, default=None, help="runs for Pelican (slow); default: --runs")
    parser.add_argument("--peers", type=Path, default=Path("/tmp/peers/bin"), help="folder holding hugo and pelican")
    parser.add_argument("--only-cold", action="store_true", help="kowp-site cold builds only (for scaling runs)")
    parser.add_argument(
        "--keep-trash",
        action="store_true",
        help="delete no moved-aside output (left in <corpus>/.bench-trash/): for runs back to back",
    )
    parser.add_argument("--no-serve", action="store_true", help="skip the dev-server scenarios")
    parser.add_argument("--only-serve", action="store_true", help="the dev-server scenarios only")
    parser.add_argument(
        "--kowp", default=f"{sys.executable} -m kowp_site", help="command that runs kowp-site (default: this Python)"
    )
    args = parser.parse_args(argv)

    corpus = args.corpus
    if corpus is None:
        corpus = args.workdir / f"kowp-bench-{args.posts}"
        if not (corpus / "corpus.json").is_file():
            print(f"generating {args.posts} posts in {corpus} ...", file=sys.stderr)
            subprocess.run(
                [sys.executable, str(MAKE_CORPUS), "--posts", str(args.posts), "--out", str(corpus)], check=True
            )
    corpus = corpus.resolve()
    target = newest_translation(corpus / "kowp")
    original = target.read_bytes()
    trash = Trash(corpus / ".bench-trash", keep=args.keep_trash)
    trash.empty()  # left by an interrupted run
    scenarios = kowp_scenarios(corpus, args.kowp.split(), target, trash)
    if args.only_cold:
        scenarios = scenarios[:1]
    elif args.only_serve:
        scenarios = []
    else:
        scenarios += peer_scenarios(corpus, args.peers, trash)

    rows: list[tuple[Scenario, Run]] = []
    try:
        for scenario in scenarios:
            runs = args.peer_runs if scenario.tool == "Pelican" and args.peer_runs else args.runs
            print(f"{scenario.tool}: {scenario.name} x{runs} ...", file=sys.stderr)
            median, each = median_run(scenario, runs, warmup=True)
            walls = ", ".join(f"{r.wall:.2f}" for r in each)
            print(f"  wall s of each run: {walls}; CPU s: {', '.join(f'{r.cpu:.2f}' for r in each)}", file=sys.stderr)
            rows.append((scenario, median))
    finally:
        target.write_bytes(original)
        trash.empty()

    sessions = []
    if not (args.only_cold or args.no_serve):
        print("dev servers: first page, then saves ...", file=sys.stderr)
        try:
            sessions = serve_sessions(corpus, args.kowp.split(), args.peers, target, args.runs, trash)
        finally:
            trash.empty()
        for s in sessions:
            print(
                f"  {s.tool} {s.start}: first page {s.first_page}; saves {[round(x, 3) for x in s.saves]}",
                file=sys.stderr,
            )
    posts = sum(1 for _ in (corpus / "kowp" / "content" / "posts").glob("*/*/*"))
    print(f"\n{posts} posts, {os.cpu_count()} CPUs, medians of {args.runs} runs after one warm-up\n")
    print(table(rows))
    if sessions:
        print()
        print(serve_table(sessions))
    missed = missed_targets(rows, posts)
    if posts != TARGET_POSTS:
        print(f"\nthe targets are set for {TARGET_POSTS} posts: none judged for {posts}")
    else:
        print(
            "\ntargets missed: "
            + (", ".join(missed) if missed else "none of the build targets")
            + " (serve: see its table)"
        )
    return 0


COLD_X_HUGO = 1.5  # kowp-site's cold full build at most this many times Hugo's, same run
PEAK_MIB = 300  # peak RSS of any kowp-site build
TARGET_POSTS = 5000  # the corpus size the targets are set for


def missed_targets(rows: list[tuple[Scenario, Run]], posts: int = TARGET_POSTS) -> list[str]:
    """The build targets a table of medians misses (the cold ratio only when Hugo was measured).
    The targets are set for a corpus of 5,000 posts: for another size none is judged."""
    if posts != TARGET_POSTS:
        return []
    missed = [
        f"{s.tool} {s.name} ({r.wall:.2f} s > {TARGETS[(s.tool, s.name)]} s)"
        for s, r in rows
        if (s.tool, s.name) in TARGETS and r.wall > TARGETS[(s.tool, s.name)]
    ]
    hugo = next((r.wall for s, r in rows if s.tool == "Hugo" and "full build" in s.name), None)
    for s, r in rows:
        if s.tool != "kowp-site":
            continue
        if s.name == "cold full build" and hugo and r.wall > COLD_X_HUGO * hugo:
            missed.append(f"{s.tool} {s.name} ({r.wall / hugo:.2f}x Hugo > {COLD_X_HUGO}x)")
        if r.rss_mib > PEAK_MIB:
            missed.append(f"{s.tool} {s.name} peak RSS ({r.rss_mib:.0f} MiB > {PEAK_MIB})")
    return missed


def table(rows: list[tuple[Scenario, Run]]) -> str:
    cold = {s.tool: r.wall for s, r in rows if "full build" in s.name}
    lines = [
        "| tool | run | wall s | CPU s | peak RSS MiB | files written | x Hugo cold | Pelican cold / this |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario, run in rows:
        hugo = f"{run.wall / cold['Hugo']:.2f}" if "Hugo" in cold else "–"
        pelican = f"{cold['Pelican'] / run.wall:.1f}" if "Pelican" in cold else "–"
        files = str(run.written) if run.written is not None else "–"
        lines.append(
            f"| {scenario.tool} | {scenario.name} | {run.wall:.2f} | {run.cpu:.2f} | {run.rss_mib:.0f} | {files} "
            f"| {hugo} | {pelican} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
