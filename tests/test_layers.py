"""The package's imports run one way: no module of voicecoach reaches itself again through the
modules it imports (at module level, inside functions, or for type checking alike).
docs/architecture.md, The layers."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voicecoach"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """voicecoach module -> the voicecoach modules it imports (a package's name counts as its
    __init__; ``from package import module`` as the module)."""
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: from the module's own package
                    base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    base = ".".join(base + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                targets.add(base)
                targets.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in files)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), as a sorted list."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_graph_sees_the_imports_it_should():
    g = import_graph()
    assert "voicecoach.pipeline" in g["voicecoach.cli.score_cmd"]
    assert "voicecoach.asr.engine" in g["voicecoach.asr.transcriber"]  # (imported inside functions)
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_inside_the_package():
    assert cycles(import_graph()) == []


def test_no_cycle_between_its_parts():
    """The same one level up: a subpackage (analysis, asr, render...) or a top-level module is one
    node, so two modules of different parts cannot import each other's parts both ways."""
    top = lambda m: ".".join(m.split(".")[:2])
    parts: dict[str, set[str]] = {}
    for a, bs in import_graph().items():
        parts.setdefault(top(a), set()).update(top(b) for b in bs if top(b) != top(a))
    assert cycles(parts) == []
