"""Rendering of ``${name}`` placeholders into bash scripts."""

from __future__ import annotations

import pytest

from paropt.templates import format_value, placeholders, render


def test_placeholders_found() -> None:
    template = "sleep ${a}; echo ${b_2} ${a}"
    assert placeholders(template) == {"a", "b_2"}


def test_placeholders_ignore_shell_forms() -> None:
    template = "echo $a $HOME ${VAR:-x} ${#list} ${1} awk '{print $1}'"
    assert placeholders(template) == set()


def test_render_declared_placeholder() -> None:
    assert render("sleep ${a}", {"a": 3}, ["a"]) == "sleep 3"


def test_render_every_occurrence() -> None:
    assert render("${a}-${a}-${b}", {"a": 1, "b": 2}, ["a", "b"]) == "1-1-2"


def test_render_undeclared_braces_untouched() -> None:
    # HOME has a value but is not a declared parameter, so bash expands it.
    rendered = render("cd ${HOME} && run ${a}", {"a": 5, "HOME": "/tmp"}, ["a"])
    assert rendered == "cd ${HOME} && run 5"


def test_render_dollar_variable_untouched() -> None:
    # Only the braced form is a placeholder, even for a declared name.
    assert render("echo $a $VAR ${a}", {"a": 7}, ["a"]) == "echo $a $VAR 7"


def test_render_awk_fields_untouched() -> None:
    template = "ls -l | awk '{print $1}' | head -${a}"
    assert render(template, {"a": 2}, ["a"]) == "ls -l | awk '{print $1}' | head -2"


def test_render_shell_expansions_untouched() -> None:
    template = "echo ${a:-1} ${#a} ${a[0]} ${!a} ${a}"
    assert render(template, {"a": 4}, ["a"]) == "echo ${a:-1} ${#a} ${a[0]} ${!a} 4"


def test_render_no_placeholders_unchanged() -> None:
    template = 'echo "HELLO WORLD"\n for i in 1 2; do echo $i; done'
    assert render(template, {"a": 1}, ["a"]) == template


def test_render_int_without_decimal_point() -> None:
    rendered = render("threads=${a}", {"a": 70}, ["a"])
    assert rendered == "threads=70"
    assert "70.0" not in rendered


@pytest.mark.parametrize("value", [0, -3, 10**12])
def test_format_value_int(value: int) -> None:
    assert format_value(value) == str(value)


@pytest.mark.parametrize(
    "value", [0.1, 0.3, 1 / 3, 2.5, -7.125, 1e-7, 123456.789, 1e300, 5e-324, 0.1 + 0.2]
)
def test_format_value_float_exact(value: float) -> None:
    text = format_value(value)
    assert float(text) == value
    assert text == repr(value)


def test_render_float_exact() -> None:
    value = 0.1 + 0.2
    rendered = render("ratio=${r}", {"r": value}, ["r"])
    assert rendered == "ratio=0.30000000000000004"
