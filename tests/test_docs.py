"""The documentation keeps up with the code: every setting the code reads from the environment
has its row in docs/settings.md, and no row names a setting nothing reads; the README stays a
front door whose links lead to pages that exist. (`make docs` builds the pages with
`mkdocs build --strict`, which checks the links between them; CI runs it.)"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_PAGE = ROOT / "docs" / "settings.md"
README = ROOT / "README.md"

# Where settings are read: the application's settings, the web server's own, and anything the
# application reads directly.
SOURCES = [ROOT / "config.py", ROOT / "gunicorn.conf.py", *sorted((ROOT / "app").rglob("*.py"))]


def _is_environ(node: ast.AST) -> bool:
    """`os.environ` (or `environ`, imported from os)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id == "environ"


def _environ_read(node: ast.AST) -> ast.expr | None:
    """The name's expression when `node` reads the environment: os.environ.get(NAME, ...),
    os.getenv(NAME, ...) or os.environ[NAME]."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value):
            return node.args[0]
        if isinstance(func, ast.Attribute) and func.attr == "getenv":
            return node.args[0]
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice
    return None


def _helpers(tree: ast.Module) -> dict[str, int]:
    """Functions that read the setting named by one of their parameters (config.py's
    `_flag(name, default)`), with that parameter's position."""
    helpers = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        parameters = [argument.arg for argument in function.args.args]
        for node in ast.walk(function):
            name = _environ_read(node)
            if isinstance(name, ast.Name) and name.id in parameters:
                helpers[function.name] = parameters.index(name.id)
    return helpers


def settings_read(path: Path) -> set[str]:
    """The names of the environment variables the module at `path` reads."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    helpers = _helpers(tree)
    names = set()
    for node in ast.walk(tree):
        name = _environ_read(node)
        if (
            name is None
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in helpers
            and len(node.args) > helpers[node.func.id]
        ):
            name = node.args[helpers[node.func.id]]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    return names


def settings_in_the_code() -> dict[str, set[str]]:
    """Each setting the code reads, with the files that read it."""
    found: dict[str, set[str]] = {}
    for path in SOURCES:
        for name in settings_read(path):
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def settings_documented() -> dict[str, str]:
    """The settings named in the first cell of each row of the settings page's table (the one
    whose first column is "Variable"), with their row."""
    rows: dict[str, str] = {}
    in_table = False
    for line in SETTINGS_PAGE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] == "Variable":
            in_table = True
            continue
        if not in_table or set(cells[0]) <= {"-", ":", " "}:
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0])
        assert names, f"a row of the settings table names no setting: {line}"
        assert len(cells) == 3 and all(cells), f"a row needs a default and a meaning: {line}"
        for name in names:
            assert name not in rows, f"{name} has two rows in docs/settings.md"
            rows[name] = line
    return rows


def test_the_code_is_read_as_expected():
    """The reading above finds each way config.py reads a setting, so that an empty result
    below could not come from a parser that finds nothing."""
    in_config = settings_read(ROOT / "config.py")
    assert {"SECRET_KEY", "DATABASE_URL", "HOST", "PORT", "APP_ENV"} <= in_config  # .get
    assert {"MAIL_USE_TLS", "RATELIMIT_ENABLED"} <= in_config  # through _flag(name, ...)
    assert {"MAIL_PORT", "PAGE_CACHE_SECONDS"} <= in_config  # int(... or default)
    assert {"GUNICORN_BIND", "WEB_CONCURRENCY"} <= settings_read(ROOT / "gunicorn.conf.py")


def test_every_setting_the_code_reads_is_documented():
    documented = settings_documented()
    missing = {
        name: sorted(files)
        for name, files in settings_in_the_code().items()
        if name not in documented
    }
    assert not missing, (
        f"settings read from the environment but not in docs/settings.md's table: {missing}"
    )


def test_every_documented_setting_is_read_by_the_code():
    read = settings_in_the_code()
    stale = sorted(name for name in settings_documented() if name not in read)
    assert not stale, f"docs/settings.md lists settings nothing reads: {stale}"


def test_the_readme_is_a_front_door():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250, "the README is the front door: the rest goes in docs/"
    assert "make run" in text and "make test" in text and "make docs" in text


@pytest.mark.parametrize(
    "link", sorted(set(re.findall(r"\]\((docs/[^)#]*)", README.read_text(encoding="utf-8"))))
)
def test_the_readmes_links_to_the_docs_lead_somewhere(link):
    assert (ROOT / link).exists(), link
