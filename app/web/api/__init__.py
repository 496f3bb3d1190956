"""api blueprint: see routes.py."""
