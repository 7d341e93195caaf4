"""The Stripe benchmark's arithmetic (no timing is asserted)."""

from bench.stripe_figures import (
    busiest_second,
    ideal_seconds,
    minimum_full_sync,
    minimum_full_sync_by_endpoint,
    pages,
    ratio,
)


def test_pages_round_up_and_an_empty_list_still_costs_a_request() -> None:
    assert (pages(0), pages(1), pages(100), pages(101), pages(100_000)) == (1, 1, 1, 2, 1000)


def test_the_minimum_full_sync_of_the_issues_account() -> None:
    # cursor 1 + customers 100 + cards 10,000 (one list a customer) + subscriptions 100 + invoices 1,000
    assert minimum_full_sync(10_000, 10_000, 100_000) == 11_201
    assert minimum_full_sync(3, 3, 30, cards_per_customer=150) == 1 + 1 + 3 * 2 + 1 + 1


def test_the_ideal_is_the_tighter_of_the_global_and_the_busiest_endpoints_limit_unless_a_chain_takes_longer() -> None:
    issue = minimum_full_sync_by_endpoint(10_000, 10_000, 100_000)
    assert issue["payment_methods.list"] == 10_000 and sum(issue.values()) == 11_201
    assert ideal_seconds(issue, 100, 25, 0.05, longest_chain=1_000) == 400.0  # 10,000 card lists at 25/s
    assert ideal_seconds(issue, 100, 1000, 0.05, longest_chain=1_000) == 112.01  # the global limit
    assert ideal_seconds({"a": 150, "b": 150}, 100, 25, 0.05, longest_chain=1_000) == 50.0  # the chain


def test_the_busiest_second_counts_requests_started_within_one_second() -> None:
    assert busiest_second([]) == 0
    assert busiest_second([0.0, 0.5, 0.99, 1.0, 1.2, 5.0]) == 4  # 0.5 .. 1.2
    assert busiest_second([3.0, 1.0, 2.0]) == 1


def test_a_ratio_to_no_baseline_is_none() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
