"""Cache-Control for views: short public caching for what is the same for everyone, none at
all for forms and anything personal."""

from collections.abc import Callable
from functools import wraps

from flask import make_response

PUBLIC_MAX_AGE = 5
PUBLIC_STALE_WHILE_REVALIDATE = 30


def public_cache(
    response,
    max_age: int = PUBLIC_MAX_AGE,
    stale_while_revalidate: int = PUBLIC_STALE_WHILE_REVALIDATE,
):
    response.headers["Cache-Control"] = (
        f"public, max-age={max_age}, stale-while-revalidate={stale_while_revalidate}"
    )
    return response


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def never_cached(view: Callable) -> Callable:
    """For forms and pages reached from a personal link."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return no_store(make_response(view(*args, **kwargs)))

    return wrapper
