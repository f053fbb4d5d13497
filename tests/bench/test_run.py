"""The bench table says for each step whether its target was met, and by how much it was missed."""

from __future__ import annotations

from bench.run import Row


def test_verdict_against_a_time_target():
    assert Row("build full, with history", 25.0, 800, target="20 s").verdict() == "missed by 25%"
    assert Row("build full, with history", 19.0, 800, target="20 s").verdict() == "met"


def test_verdict_against_a_ratio_target_uses_the_ratio_to_the_floor():
    assert Row("validate cold, 1 core", 9.0, 100, "parse", 1.1, target="1.25x").verdict() == "met"
    assert Row("validate cold, 1 core", 9.0, 100, "parse", 1.5, target="1.25x").verdict() == "missed by 20%"


def test_memory_over_the_limit_is_a_miss_even_when_fast():
    assert Row("check --base", 1.0, 2048, target="3 s").verdict() == "memory 2.00 GiB over 1.5 GiB"
    assert Row("no time target", 1.0, 2048).verdict() == "memory 2.00 GiB over 1.5 GiB"
    assert Row("no time target", 1.0, 200).verdict() == ""
