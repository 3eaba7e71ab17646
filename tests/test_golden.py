"""The sample site, byte for byte: a snapshot in tests/golden/sample-site/ that reviewers can read.

The repository's own content, configuration and theme are built in a temporary folder (no Git,
so no date from the history) and every output is compared with the snapshot: text files whole,
binary files by their SHA-256 in ``BINARY.sha256``. A change to the output fails here until the
snapshot is regenerated on purpose with ``python -m pytest tests/test_golden.py --update-golden``
and the diff reviewed. The same build made again incrementally, and from a warm cache into a new
folder, gives the same bytes.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from kowp_site.site.build import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "sample-site"
TEXT = {".html", ".xml", ".json", ".txt", ".css", ".js", ".svg", ".md", ".webmanifest"}
BINARY_LIST = "BINARY.sha256"


def sample_site(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    root.mkdir()
    shutil.copytree(REPO / "content", root / "content")
    shutil.copytree(REPO / "themes", root / "themes")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def snapshot(site: Path) -> dict[str, bytes]:
    """Every output file: text files as they are, binary ones as one line of the hash list."""
    found: dict[str, bytes] = {}
    hashes = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if path.suffix in TEXT:
            found[rel] = path.read_bytes()
        else:
            hashes.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}\n")
    found[BINARY_LIST] = "".join(hashes).encode()
    return found


def stored() -> dict[str, bytes]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in sorted(GOLDEN.rglob("*")) if p.is_file()}


def test_the_sample_site_matches_its_golden_snapshot(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    root = sample_site(tmp_path)
    result = build(root, BuildOptions())
    assert result.warnings == []
    made = snapshot(result.output)
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in made.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
        pytest.skip("golden snapshot rewritten: review `git diff tests/golden/`")
    golden = stored()
    assert sorted(made) == sorted(golden), "files added or missing: regenerate with --update-golden and review"
    differing = [rel for rel in made if made[rel] != golden[rel]]
    assert differing == [], "outputs differ from the snapshot: regenerate with --update-golden and review"


def test_incremental_and_warm_cache_builds_of_the_sample_give_the_snapshot_bytes(tmp_path: Path) -> None:
    root = sample_site(tmp_path)
    first = build(root, BuildOptions())
    again = build(root, BuildOptions())
    assert again.written == 0
    elsewhere = build(root, BuildOptions(output=root / "elsewhere"))  # post cache warm, new folder
    assert snapshot(elsewhere.output) == snapshot(first.output)
    assert snapshot(first.output) == stored()
