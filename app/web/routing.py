from werkzeug.routing import BaseConverter, IntegerConverter

# The largest id every database's id column holds: PostgreSQL's INTEGER (SQLite's holds
# more). A larger one would reach PostgreSQL, which refuses to compare it: a 500.
LARGEST_ID = 2**31 - 1


class SlugConverter(BaseConverter):
    """Lower-case words and hyphens: never a dot, so `/petitions/<slug>.json` is unambiguous."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number no row can have (beyond LARGEST_ID) matches no
    route, a 404, instead of reaching the database, which cannot even compare it."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
