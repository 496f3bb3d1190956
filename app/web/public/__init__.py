"""public blueprint: see routes.py."""
