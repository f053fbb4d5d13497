"""The one helper for tests that hold a fast path to the canonical path it stands in for.

A fast path (the direct YAML reader, the history's entry-by-entry reader, the fast emitter, the
report index, validate's file-by-file rules) may decline a case, and then the canonical path answers;
whenever it answers, its answer must equal the canonical one. `same_as_canonical` runs both over
every case, names the first case where they differ (with both answers), and checks that the fast
path answered often enough to be worth having:

    answered = same_as_canonical(texts, simple_yaml, libyaml_result, least=1000)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def _never(_answer: Any) -> bool:
    return False


def same_as_canonical(cases: Iterable[T], fast: Callable[[T], Any], canonical: Callable[[T], Any], *,
                      declined: Callable[[Any], bool] = _never, least: int = 1,
                      show: Callable[[T], str] = repr) -> int:
    """Assert `fast(case) == canonical(case)` for every case the fast path answers (`declined(answer)`
    false), and that it answered at least `least` cases; the number it answered."""
    answered = 0
    total = 0
    for case in cases:
        total += 1
        got = fast(case)
        if declined(got):
            continue
        answered += 1
        want = canonical(case)
        assert got == want, f"the fast path differs from the canonical one on {show(case)}:\n  fast:      {got!r}\n" \
                            f"  canonical: {want!r}"
    assert answered >= least, f"the fast path answered {answered} of {total} cases (at least {least} expected)"
    return answered
