"""The web: blueprints only (public/, signing/, embed/, organizer/, api/), each `bp` in its
package's __init__.py, and what their views share (the sign form and its submission, the
petition page, lookups by slug, caching and security headers, error pages). Views call the
services and render: no transaction and no query here (tests/test_layout.py checks)."""
