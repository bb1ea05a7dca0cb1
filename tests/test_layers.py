"""The layers show in the tree and imports only go down: the core (rules, facts, checks, engine,
waivers, seals) imports nothing above it; the outputs (table model, tables, renderers, pack,
explain and pending tables) import the core only; the adapters (the CLI, the Beancount plugin,
the Fava extension) sit on top. Only the CLI imports click, and no module imports itself back
through others when loaded."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "aipo_budget"
LAYERS = {"core": 0, "outputs": 1, "cli": 2, "plugin": 2, "fava_ext": 2}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The module of ours that ``name`` (a module, or a name in a module) is, if any."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(path: Path, top_level_only: bool) -> set[str]:
    """Our modules that ``path`` imports: everywhere, or only when it is loaded (not inside a
    function, nor for type checking)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(filter(None, map(resolve, names)))
    return found


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_every_module_is_in_a_layer():
    loose = [m for m in MODULES if m != "aipo_budget" and layer(m) is None]
    assert loose == [], "put each module in core/, outputs/ or an adapter"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_go_down(module):
    own = layer(module)
    if own is None:
        return
    upward = sorted(m for m in imports(MODULES[module], top_level_only=False)
                    if (layer(m) or 0) > own)
    assert upward == [], f"{module} (layer {own}) imports a higher layer"


def test_click_only_in_the_cli():
    users = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name == "click" or name.startswith("click.") for name in names):
                users.append(module)
    assert users and all(m.startswith("aipo_budget.cli") for m in users), sorted(set(users))


def test_no_import_cycle():
    graph = {m: {d for d in imports(p, top_level_only=True) if d != m
                 # a package's __init__ importing its own submodules is how packages work
                 and not (MODULES[m].name == "__init__.py" and d.startswith(m + "."))}
             for m, p in MODULES.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_checker_sees_an_upward_import(tmp_path):
    """The scan would catch a core module importing the CLI."""
    path = tmp_path / "x.py"
    path.write_text("def f():\n    from aipo_budget.cli import session\n", encoding="utf-8")
    assert imports(path, top_level_only=False) == {"aipo_budget.cli.session"}
    assert imports(path, top_level_only=True) == set()
