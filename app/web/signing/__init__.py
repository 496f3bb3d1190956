"""signing blueprint: see routes.py."""
