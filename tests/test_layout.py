"""The package's imports point one way: utilities <- the site's model <- capabilities <- the build <- commands.

Read from the source with :mod:`ast` (nothing is imported), so a module that reaches upward fails
here with the line to change.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kowp_site"
UTILITIES = {
    "kowp_site",
    "kowp_site.errors",
    "kowp_site.paths",
    "kowp_site.gitlog",
    "kowp_site.ui",
    "kowp_site.parallel",
}
CAPABILITIES = ("kowp_site.fetch", "kowp_site.translation", "kowp_site.social", "kowp_site.search")
ASSEMBLY = {
    "kowp_site.site.build",
    "kowp_site.site.serve",
    "kowp_site.site.interim",
    "kowp_site.site.groups",
}  # put every capability together
TOP = ("kowp_site.commands", "kowp_site.cli", "kowp_site.__main__")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every kowp_site import in ``path`` that runs (not those for type checkers only),
    ``from x import y`` counted as x.y when y is a module."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {  # imports under `if TYPE_CHECKING:` name types only; nothing runs them
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("kowp_site")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kowp_site"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE.parent / candidate.replace(".", "/")
                ).is_dir()
                found.append((node.lineno, candidate if is_module else node.module))
    return found


def within(name: str, prefixes: tuple[str, ...] | set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def layer(name: str) -> int:
    """0 utilities, 1 the site's model, 2 capabilities, 3 the build that assembles them, 4 the command line."""
    if name in UTILITIES:
        return 0
    if within(name, TOP):
        return 4
    if name in ASSEMBLY:
        return 3
    if within(name, CAPABILITIES):
        return 2
    return 1


def allowed(importer: str, imported: str) -> bool:
    """A module imports its own layer or lower ones; capabilities may use each other (no cycles)."""
    return layer(imported) <= layer(importer)


def graph() -> dict[str, set[str]]:
    return {module_name(p): {m for _, m in imports(p)} for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_point_one_way():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for line, imported in imports(path):
            if not allowed(importer, imported):
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {importer} imports {imported}")
    assert wrong == []


def test_every_package_says_what_it_is_for():
    for init in sorted(PACKAGE.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init} has no docstring"


def test_no_two_modules_import_each_other():
    edges = graph()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == path[0] and len(path) > 1:
                cycles.append(" -> ".join([*path, nxt]))
            elif nxt not in path and nxt in edges and nxt > path[0]:
                visit(nxt, [*path, nxt])

    for start in sorted(edges):
        visit(start, [start])
    assert [c for c in cycles if c.split(" -> ")[0] not in ("kowp_site",)] == []


MAX_FUNCTION_LINES = 60  # a function reads in one screen
MAX_MODULE_LINES = 510  # a module reads in one sitting (about 500)


def test_functions_and_modules_stay_small():
    """The size guide, enforced: no function over 60 lines, no module over about 500."""
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(PACKAGE.parent)
        lines = len(text.splitlines())
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}:{node.lineno}: {node.name} is {size} lines")
    assert too_long == []
