"""Progress bars for long commands, on a terminal only."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


@contextmanager
def terminal_progress(length: Callable[[], int], label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error when it is a terminal, moved to each `done` it is
    given; when standard error is piped or redirected, nothing at all (not even `length` is
    worked out), so the output stays what it was."""
    if not sys.stderr.isatty():
        yield lambda done: None
        return
    total = length()
    with click.progressbar(length=max(total, 1), label=label, file=sys.stderr) as bar:

        def advance_to(done: int) -> None:
            step = min(done, total) - bar.pos
            if step > 0:
                bar.update(step)

        yield advance_to
