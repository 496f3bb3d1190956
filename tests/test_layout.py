"""The house's rules, checked on the code itself: the tree shows the domain, packages depend
one way, views and commands leave transactions and queries to the services, and every module
imports on its own (no circle hidden behind a package's __init__)."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"

# From the ground up: a package may import those before it, never one after it (STYLE.md,
# "Growing the layout"). `extensions` holds the bare extension instances, under everything.
ORDER = (
    "extensions",
    "core",
    "models",
    "mail",
    "jobs",
    "petitions",
    "organizers",
    "signatures",
    "updates",
    "letters",
    "events",
    "operations",
    "web",
    "cli",
)
# Packages on one level: none imports another.
PEERS = ({"mail", "jobs"}, {"updates", "letters", "events"}, {"web", "cli"})


def modules() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if "translations" not in path.parts)


def dotted(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_packages(path: Path) -> set[str]:
    """The app packages a module imports, anywhere in it (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "app" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_app_holds_packages_and_two_loose_modules():
    loose = sorted(path.name for path in APP.glob("*.py"))
    assert loose == ["__init__.py", "extensions.py"]
    for package in APP.iterdir():
        if (package / "__init__.py").exists():  # a folder left by a move holds no package
            assert package.name in ORDER, f"app/{package.name}/ has no place in the order"


def test_packages_depend_one_way():
    rank = {name: index for index, name in enumerate(ORDER)}
    wrong = []
    for path in modules():
        parts = path.relative_to(APP).parts
        if len(parts) < 2 and parts[0] != "extensions.py":
            continue  # app/__init__.py builds the app from everything
        source = parts[0].removesuffix(".py")
        for target in imported_packages(path) - {source}:
            same_level = any({source, target} <= peers for peers in PEERS)
            if rank[target] >= rank[source] or same_level:
                wrong.append(f"{path.relative_to(APP.parent)} imports app.{target}")
    assert not wrong, "\n".join(wrong)


# What only a service does: open or end a transaction, build a query.
SERVICE_WORK = {"begin_write", "write_transaction", "commit", "rollback", "select"}


def service_work(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", None)
            )
            if name in SERVICE_WORK:
                found.append(f"{path.relative_to(APP.parent)}:{node.lineno} {name}()")
    return found


@pytest.mark.parametrize("package", ["web", "cli"])
def test_views_and_commands_leave_transactions_and_queries_to_services(package):
    found = [line for path in (APP / package).rglob("*.py") for line in service_work(path)]
    assert not found, "\n".join(found)


def module_imports(path: Path, known: set[str]) -> set[str]:
    """The app modules a module imports when it is loaded (module-level imports), with the
    packages whose __init__ runs first: importing app.web.signing.forms runs
    app/web/signing/__init__.py, and whatever that imports."""
    name = dotted(path)
    found = set()
    for node in ast.parse(path.read_text()).body:
        targets = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        for target in targets:
            parts = target.split(".")
            for end in range(2, len(parts) + 1):
                module = ".".join(parts[:end])
                if module in known and not name.startswith(module + ".") and module != name:
                    found.add(module)
    return found


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, round a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_imports_on_its_own():
    """No circle of module-level imports, counting the package __init__ an import runs: a
    circle the app's own start-up order happens to avoid still breaks a script, a test or a
    worker that imports one of its modules first."""
    paths = modules()
    known = {dotted(path) for path in paths}
    edges = {dotted(path): module_imports(path, known) for path in paths}
    assert circles(edges) == []
