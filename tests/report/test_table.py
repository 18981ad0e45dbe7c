"""edgekit.report.table: the one table layout and size format of every report."""

from __future__ import annotations

from edgekit.report.table import render_table
from edgekit.text.sizes import format_size


def test_sizes_are_binary_and_name_their_unit():
    assert format_size(None) == "-"
    assert format_size(512) == "0.5 KiB"
    assert format_size(250_000) == "244.1 KiB"
    assert format_size(1024 * 1024) == "1.00 MiB"
    assert format_size(87_000_000) == "82.97 MiB"


def test_columns_fit_their_widest_cell_with_a_rule_under_the_header():
    lines = render_table(["name", "ms"], [["cpu", 1.5], ["cpu-ref", "12.25"]], right=[1])
    assert lines == ["name        ms", "-------  -----", "cpu        1.5", "cpu-ref  12.25"]


def test_without_header_or_rule_and_with_an_indent_trailing_spaces_are_dropped():
    assert render_table(None, [["a", ""], ["bb", "x"]], indent="  ") == ["  a", "  bb  x"]
    assert render_table(["h", "i"], [["a", "b"]], rule=False) == ["h  i", "a  b"]
    assert render_table(None, []) == []
