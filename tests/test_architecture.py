"""The layering the developers' guide promises, checked on the source: the planning engine is a
core fed plain data (no database, web or other mixshare imports), the demo data and the
benchmark-only solvers are reached only by the commands that exist for them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src"
# what a plain-data core must not reach for
FRAMEWORKS = {"sqlalchemy", "alembic", "fastapi", "starlette", "jinja2", "typer", "rich"}


def imports() -> dict[str, set[str]]:
    """Every mixshare module and the absolute module names it imports (anywhere in it)."""
    out: dict[str, set[str]] = {}
    for path in sorted((SOURCE / "mixshare").rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        out[module] = names
    return out


ALL = imports()


def importers(target: str) -> set[str]:
    """Modules outside ``target`` that import it or a module inside it."""
    return {
        module
        for module, names in ALL.items()
        if not _inside(module, target) and any(_inside(n, target) for n in names)
    }


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_source_was_found() -> None:
    assert "mixshare.engine.search" in ALL and "mixshare.cli" in ALL


@pytest.mark.parametrize("module", sorted(m for m in ALL if _inside(m, "mixshare.engine")))
def test_the_engine_imports_only_itself_and_no_framework(module: str) -> None:
    reached = {
        name
        for name in ALL[module]
        if (_inside(name, "mixshare") and not _inside(name, "mixshare.engine"))
        or name.split(".")[0] in FRAMEWORKS
    }
    assert not reached, f"{module} imports {sorted(reached)}: the engine takes plain data"


def test_only_the_demo_command_loads_demo_data() -> None:
    # billing's generated month lived in billing and imported the demo (moved to demo/)
    assert importers("mixshare.demo") == {"mixshare.cli"}


def test_benchmark_solvers_stay_out_of_the_product() -> None:
    assert importers("mixshare.benchsolvers") == {"mixshare.bench_cli"}
