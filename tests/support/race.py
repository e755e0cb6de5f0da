"""Parallel requests released together by a start barrier (the Kratos race-test pattern)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar, cast

T = TypeVar("T")
R = TypeVar("R")


def race(work: Callable[[T], R], inputs: Sequence[T]) -> list[R]:
    """Run ``work(item)`` for every item, each in its own thread, all starting at once;
    the results in input order. An exception in any thread fails the race."""
    barrier = threading.Barrier(len(inputs))
    results: list[R | None] = [None] * len(inputs)
    errors: list[BaseException] = []

    def run(index: int, item: T) -> None:
        barrier.wait()
        try:
            results[index] = work(item)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(inputs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return cast(list[R], results)
