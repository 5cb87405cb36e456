"""Statistical secrecy of the programme view: cités side by side and together."""

from __future__ import annotations

from domain.disclosure import SUPPRESSED, protect_grid


def test_a_true_zero_is_shown_and_counts_of_one_to_four_are_hidden() -> None:
    assert protect_grid([[0, 0], [12, 30]], with_total_row=False) == [[0, 0, 0], [12, 30, 42]]
    # One cité's 3 would be 45 − 42: the other cité's figure is hidden with it.
    assert protect_grid([[42, 3]], with_total_row=False) == [[SUPPRESSED, SUPPRESSED, 45]]


def test_the_complementary_cell_is_never_a_zero() -> None:
    # Hiding the 0 would protect nothing visible (3 = 11 − 8 is the risk): the 8 goes.
    assert protect_grid([[3, 0, 8]], with_total_row=False) == [[SUPPRESSED, 0, SUPPRESSED, 11]]


def test_a_line_with_one_hidden_cell_left_hides_its_sum_when_nothing_else_can_be() -> None:
    # 3 + 0 = 3: the sum is 1–4 itself, hidden by the primary rule.
    assert protect_grid([[3, 0]], with_total_row=False) == [[SUPPRESSED, 0, SUPPRESSED]]


def test_rows_and_columns_both_add_up_so_both_are_protected() -> None:
    # Ages × two cités: the 2 in cité B's column forces a second hidden cell in that
    # column, which then forces one in its row, and so on until every line that
    # adds up has none or at least two hidden cells.
    grid = protect_grid([[20, 2], [15, 9], [30, 40]], with_total_row=True)
    hidden = {(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == SUPPRESSED}
    for r in range(len(grid)):
        assert sum((r, c) in hidden for c in range(3)) != 1, grid
    for c in range(3):
        assert sum((r, c) in hidden for r in range(len(grid))) != 1, grid
    assert (0, 1) in hidden
    assert grid[-1][-1] == 116  # the grand total stays readable
