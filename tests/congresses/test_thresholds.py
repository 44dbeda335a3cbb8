"""Reminder thresholds: which offsets from a due date a day has crossed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from congresses.models import ReminderPolicy, parse_days
from congresses.selectors import thresholds_crossed

DUE = date(2025, 5, 20)


def crossed(today: date, **policy) -> list[int]:
    policy = {
        "days_before": [14, 7, 1],
        "on_due_date": True,
        "overdue_every_days": 7,
        **policy,
    }
    return thresholds_crossed(DUE, today, **policy)


def test_nothing_is_crossed_before_the_first_threshold():
    assert crossed(DUE - timedelta(days=15)) == []


def test_the_first_threshold_is_crossed_on_its_day():
    assert crossed(DUE - timedelta(days=14)) == [-14]


def test_the_day_before_the_second_threshold_has_only_the_first():
    assert crossed(DUE - timedelta(days=8)) == [-14]
    assert crossed(DUE - timedelta(days=7)) == [-14, -7]


def test_the_due_date_is_a_threshold_of_its_own():
    assert crossed(DUE - timedelta(days=1)) == [-14, -7, -1]
    assert crossed(DUE) == [-14, -7, -1, 0]


def test_no_due_date_threshold_when_the_policy_says_so():
    assert crossed(DUE, on_due_date=False) == [-14, -7, -1]


def test_overdue_thresholds_come_every_n_days():
    assert crossed(DUE + timedelta(days=6)) == [-14, -7, -1, 0]
    assert crossed(DUE + timedelta(days=7)) == [-14, -7, -1, 0, 7]
    assert crossed(DUE + timedelta(days=21)) == [-14, -7, -1, 0, 7, 14, 21]


def test_no_overdue_thresholds_with_zero_days():
    assert crossed(DUE + timedelta(days=30), overdue_every_days=0) == [
        -14,
        -7,
        -1,
        0,
    ]


def test_catch_up_a_sweep_that_missed_several_days_sees_every_threshold():
    # No sweep ran from 15 days before to 2 days after: all are still there,
    # the outbox makes each one count once.
    assert crossed(DUE + timedelta(days=2)) == [-14, -7, -1, 0]


def test_a_rescheduled_due_date_has_thresholds_of_its_own():
    today = date(2025, 5, 19)
    assert thresholds_crossed(
        DUE, today, days_before=[14, 7, 1], on_due_date=True, overdue_every_days=7
    ) == [-14, -7, -1]
    moved = DUE + timedelta(days=10)
    # Against the new date only the 14-day threshold is crossed (on the 19th).
    assert thresholds_crossed(
        moved, today, days_before=[14, 7, 1], on_due_date=True, overdue_every_days=7
    ) == [-14]


def test_the_policy_method_reads_its_own_settings():
    policy = ReminderPolicy(days_before="7, 3", on_due_date=False, overdue_every_days=5)
    assert policy.thresholds_crossed(DUE, DUE + timedelta(days=10)) == [-7, -3, 5, 10]
    assert policy.horizon_days == 7


def test_days_before_are_parsed_largest_first_without_repeats():
    assert parse_days("1,14, 7,7") == [14, 7, 1]
    assert parse_days("") == []


@pytest.mark.parametrize("value", ["14,x", "0", "-3", "7,,-1"])
def test_days_before_refuses_what_is_not_a_positive_number(value):
    with pytest.raises(ValidationError):
        parse_days(value)
