"""The shape of the code: no import cycle among app/ modules, and the ORM models a leaf."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
Edge = tuple[str, int, bool]  # the module imported, the line, and whether inside a def/class


def module_names(root: Path) -> dict[str, Path]:
    """Every module of the package at `root`, by dotted name."""
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Edge]:
    """The package's own modules that `path` imports, wherever in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges: list[Edge] = []

    def target(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted if dotted and dotted != name else None

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            candidates: list[str] = []
            if isinstance(child, ast.Import):
                candidates = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                # `from app.web import deals` imports the module app.web.deals.
                candidates = [f"{base}.{alias.name}" for alias in child.names]
            for candidate in candidates:
                found = target(candidate)
                if found is not None:
                    edges.append((found, child.lineno, nested))
            inner = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            visit(child, nested or inner)

    visit(ast.parse(path.read_text(), filename=str(path)), False)
    return edges


def cycles_in(root: Path) -> list[list[str]]:
    modules = module_names(root)
    graph = {n: sorted({e[0] for e in imports_of(n, p, modules)}) for n, p in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


def test_no_import_cycle_among_app_modules() -> None:
    cycles = cycles_in(APP)
    assert cycles == [], "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_no_app_import_inside_a_function() -> None:
    """Imports sit at the top of a module, where a reader looks: one inside a function is how
    a cycle hides."""
    modules = module_names(APP)
    nested = [
        f"{path.relative_to(APP.parent)}:{line} imports {imported}"
        for name, path in modules.items()
        for imported, line, inside in imports_of(name, path, modules)
        if inside
    ]
    assert nested == []


def test_models_import_only_what_is_below_them() -> None:
    modules = module_names(APP)
    imported = {edge[0] for edge in imports_of("app.models", APP / "models.py", modules)}
    assert "app.db" in imported  # the walk reads the file
    assert sorted(m for m in imported if m != "app.db" and not m.startswith("app.domain.")) == []


def test_the_walk_finds_a_cycle_and_a_nested_import(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text("from app.sub import b\n")
    (root / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")
    assert cycles_in(root) == [["app.a", "app.sub.b", "app.a"]]
    modules = module_names(root)
    assert imports_of("app.sub.b", root / "sub" / "b.py", modules) == [("app.a", 2, True)]
