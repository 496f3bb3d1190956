"""organizer blueprint: see routes.py."""
