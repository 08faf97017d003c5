"""The package's architecture, read from the source (AST): layers, cycles, private names, sizes.

docs/ARCHITECTURE.md explains the layers; this test is what keeps them true. Every import counts,
including the ones inside functions (a lazy import is still a dependency), except those under
``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "scs_sim"

#: Layers, lowest first: a module may import its own layer and the layers below it, never above.
#: The base modules (errors, _params, _jit, _version) are layer 0. ``scs_sim/__init__.py`` and
#: ``scs_sim/__main__.py`` are the public facade on top of everything and are not ranked.
LAYERS: tuple[str, ...] = ("<base>", "stim", "fibers", "dorsal_horn", "config", "simulation", "study",
                           "plots", "validation", "app")
BASE_MODULES = ("errors", "_params", "_jit", "_version")
FACADE = ("scs_sim", "scs_sim.__main__")
#: Size limits of ARCHITECTURE.md: source lines per module, parameters per numba kernel.
MAX_MODULE_LINES = 600
MAX_KERNEL_PARAMS = 15


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _is_package(mod: str) -> bool:
    return MODULES[mod].name == "__init__.py"


def _layer(mod: str) -> int | None:
    if mod in FACADE:
        return None
    first = mod.split(".")[1]
    if first in BASE_MODULES:
        return 0
    return LAYERS.index(first)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in node.body:
                skip.update(id(n) for n in ast.walk(sub))
    return skip


def _imports(mod: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every scs_sim import of ``mod``."""
    tree = ast.parse(MODULES[mod].read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    pkg = mod if _is_package(mod) else mod.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.extend((a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "scs_sim")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - (node.level - 1)]
                src = ".".join(base + ([node.module] if node.module else []))
            else:
                src = node.module or ""
            if src.split(".")[0] != "scs_sim":
                continue
            for a in node.names:
                sub = f"{src}.{a.name}"
                if sub in MODULES:  # ``from pkg import module``
                    out.append((sub, None, node.lineno))
                else:
                    out.append((src, a.name, node.lineno))
    return out


def _graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in _imports(m) if t in MODULES and t != m} for m in MODULES}


def test_every_module_is_in_a_layer():
    unknown = [m for m in MODULES if m not in FACADE and m.split(".")[1] not in BASE_MODULES
               and m.split(".")[1] not in LAYERS]
    assert not unknown, f"modules outside every layer (add them to LAYERS or move them): {unknown}"


def test_no_upward_imports():
    bad = []
    for mod in MODULES:
        lo = _layer(mod)
        if lo is None:
            continue
        for target, _, line in _imports(mod):
            if target not in MODULES:
                bad.append(f"{mod}:{line} imports unknown module {target}")
                continue
            if target in FACADE:
                bad.append(f"{mod}:{line} imports the public facade {target} (import the module that owns it)")
                continue
            hi = _layer(target)
            if hi is not None and hi > lo:
                bad.append(f"{mod}:{line} ({LAYERS[lo]}) imports {target} ({LAYERS[hi]}), a higher layer")
    assert not bad, "\n".join(bad)


def test_no_private_names_across_modules():
    bad = []
    for mod in MODULES:
        for target, name, line in _imports(mod):
            if name is not None and name.startswith("_") and not name.startswith("__"):
                bad.append(f"{mod}:{line} imports private name {name} from {target}")
            # a private module (``_name``) is for its own package only
            parts = target.split(".")
            for k, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__"):
                    owner = ".".join(parts[:k])
                    if not (mod == owner or mod.startswith(owner + ".")):
                        bad.append(f"{mod}:{line} imports {target}, private to {owner}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_modules_are_small():
    big = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines (split them by what they own): {big}"


def _kernels():
    for mod, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any("njit" in ast.unparse(d) for d in node.decorator_list):
                yield mod, node


def test_kernel_signatures_are_short_and_documented():
    bad = []
    for mod, fn in _kernels():
        n = len(fn.args.args) + len(fn.args.kwonlyargs)
        if n > MAX_KERNEL_PARAMS:
            bad.append(f"{mod}.{fn.name}: {n} parameters (> {MAX_KERNEL_PARAMS}; pass named bundles)")
        if not ast.get_docstring(fn):
            bad.append(f"{mod}.{fn.name}: no docstring")
    assert not bad, "\n".join(bad)


def test_config_layer_never_loads_numba():
    """Config-only work (``scs-sim validate``, ``show``) must not pay for numba: checked in a fresh
    interpreter, so every transitive import counts."""
    code = ("import sys, scs_sim.config, scs_sim.stim.programs, scs_sim.stim.dosimetry; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PKG.parent).stdout.strip()
    assert out == "[]", f"importing the config layer loads {out}"


def test_public_programs_module_keeps_its_import_path():
    """``scs_sim.programs`` (README "Python") still imports by its old path after the move to stim/."""
    code = ("from scs_sim.programs import tonic; import scs_sim.programs as p, scs_sim.stim.programs as q; "
            "assert p is q and tonic is q.tonic; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PKG.parent)
    assert out.stdout.strip() == "ok", out.stderr


def test_no_merge_conflict_markers():
    """No file of the project keeps a line of an unresolved git merge (a stray ``<<<<<<<`` once shipped in
    docs/MODEL.md)."""
    root = PKG.parent
    files = [p for d in ("scs_sim", "docs", "tests", "benchmarks", "configs") for p in (root / d).rglob("*")
             if p.suffix in {".py", ".md", ".toml", ".js", ".html", ".css"} and p.is_file()]
    files += [root / "README.md", root / "pyproject.toml"]
    bad = [f"{p.relative_to(root)}:{i}" for p in files
           for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
           if line.startswith(("<<<<<<< ", ">>>>>>> "))]
    assert not bad, f"merge-conflict markers at {bad}"
