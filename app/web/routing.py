from werkzeug.routing import BaseConverter


class SlugConverter(BaseConverter):
    """Lower-case words and hyphens: never a dot, so `/petitions/<slug>.json` is unambiguous."""

    regex = r"[a-z0-9]+(?:-[a-z0-9]+)*"
