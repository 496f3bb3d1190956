"""embed blueprint: see routes.py."""
