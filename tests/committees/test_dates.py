"""Party age: from admission, minus the periods outside party activity."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from committees.dates import add_months, compute_party_age, months_between

ADMITTED = date(2000, 1, 15)


def age(interruptions, as_of, admitted=ADMITTED) -> tuple[int, int]:
    result = compute_party_age(admitted, interruptions, as_of)
    return result.years, result.months


# ---------------------------------------------------------------- calendar


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 15), -3) == date(2023, 12, 15)


def test_months_between_counts_whole_months_only():
    assert months_between(date(2024, 1, 15), date(2024, 2, 14)) == 0
    assert months_between(date(2024, 1, 15), date(2024, 2, 15)) == 1
    assert months_between(date(2024, 2, 15), date(2024, 1, 15)) == 0


# ---------------------------------------------------------------- party age


def test_without_interruptions_it_is_the_time_since_admission():
    assert age([], date(2025, 7, 20)) == (25, 6)


def test_the_years_turn_over_on_the_anniversary_day():
    assert age([], date(2025, 1, 14)) == (24, 11)
    assert age([], date(2025, 1, 15)) == (25, 0)


def test_on_the_admission_day_it_is_zero():
    result = compute_party_age(ADMITTED, [], ADMITTED)
    assert (result.years, result.months, result.interrupted_days) == (0, 0, 0)


def test_a_closed_interruption_is_subtracted():
    # 2005 is 365 days: the member lost exactly one year.
    result = compute_party_age(
        ADMITTED, [(date(2005, 1, 1), date(2005, 12, 31))], date(2025, 1, 15)
    )
    assert result.interrupted_days == 365
    assert (result.years, result.months) == (24, 0)
    assert result.counted_from == ADMITTED + timedelta(days=365)


def test_an_open_interruption_lasts_until_the_day_asked_about():
    interruptions = [(date(2024, 1, 15), None)]
    before = compute_party_age(ADMITTED, interruptions, date(2024, 1, 14))
    during = compute_party_age(ADMITTED, interruptions, date(2025, 1, 14))
    assert (before.years, before.months) == (23, 11)
    assert during.interrupted_days == 366  # 15/01/2024 .. 14/01/2025
    # The party age stands still while the interruption lasts.
    assert (during.years, during.months) == (23, 11)


def test_overlapping_interruptions_are_not_counted_twice():
    result = compute_party_age(
        ADMITTED,
        [
            (date(2005, 4, 1), date(2005, 12, 31)),
            (date(2005, 1, 1), date(2005, 6, 30)),
        ],
        date(2025, 1, 15),
    )
    assert result.interrupted_days == 365
    assert (result.years, result.months) == (24, 0)


def test_an_interruption_inside_another_is_not_counted_twice():
    result = compute_party_age(
        ADMITTED,
        [(date(2005, 1, 1), date(2005, 12, 31)), (date(2005, 3, 1), date(2005, 3, 31))],
        date(2025, 1, 15),
    )
    assert result.interrupted_days == 365


def test_an_interruption_before_admission_is_ignored():
    assert age([(date(1995, 1, 1), date(1996, 1, 1))], date(2025, 1, 15)) == (25, 0)


def test_an_interruption_that_began_before_admission_counts_from_admission():
    result = compute_party_age(
        ADMITTED, [(date(1999, 12, 1), date(2000, 1, 31))], date(2025, 1, 15)
    )
    assert result.interrupted_days == 17  # 15/01/2000 .. 31/01/2000


def test_an_interruption_after_the_day_asked_about_is_ignored():
    assert age([(date(2030, 1, 1), None)], date(2025, 1, 15)) == (25, 0)


def test_a_readmitted_member_counts_from_the_first_admission_minus_the_gap():
    # Admitted 01/05/1990, expelled 01/05/2000, readmitted 01/05/2005: five
    # years outside the party (1,826 days, with 29/02/2004).
    result = compute_party_age(
        date(1990, 5, 1), [(date(2000, 5, 1), date(2005, 4, 30))], date(2025, 5, 1)
    )
    assert result.interrupted_days == 1826
    assert (result.years, result.months) == (30, 0)


# ---------------------------------------------------------------- properties

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def histories(draw):
    admitted = draw(days)
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(days)
        end = draw(
            st.one_of(
                st.none(), st.dates(min_value=start, max_value=date(2040, 12, 31))
            )
        )
        spans.append((start, end))
    as_of = draw(st.dates(min_value=admitted, max_value=date(2045, 12, 31)))
    later = draw(st.dates(min_value=as_of, max_value=date(2046, 12, 31)))
    return admitted, spans, as_of, later


@given(histories())
def test_party_age_never_exceeds_the_calendar_age_since_admission(history):
    admitted, spans, as_of, _later = history
    result = compute_party_age(admitted, spans, as_of)
    assert result.total_months <= months_between(admitted, as_of)


@given(histories())
def test_party_age_is_never_negative(history):
    admitted, spans, as_of, _later = history
    result = compute_party_age(admitted, spans, as_of)
    assert result.years >= 0
    assert 0 <= result.months < 12
    assert 0 <= result.interrupted_days <= (as_of - admitted).days + 1


def test_party_age_does_not_drop_during_an_interruption_near_a_month_end():
    # Found by the property below: the age once fell from one month to none.
    spans = [(date(2001, 3, 28), None)]
    on_28th = compute_party_age(date(2001, 2, 27), spans, date(2001, 3, 28))
    on_29th = compute_party_age(date(2001, 2, 27), spans, date(2001, 3, 29))
    assert on_29th.total_months == on_28th.total_months


@given(histories())
@example(
    (
        date(2001, 2, 27),
        [(date(2001, 3, 28), None)],
        date(2001, 3, 28),
        date(2001, 3, 29),
    )
)
def test_party_age_never_goes_down_as_time_passes(history):
    admitted, spans, as_of, later = history
    assert (
        compute_party_age(admitted, spans, later).total_months
        >= compute_party_age(admitted, spans, as_of).total_months
    )


@given(histories())
def test_without_interruptions_party_age_is_the_calendar_age(history):
    admitted, _spans, as_of, _later = history
    assert compute_party_age(admitted, [], as_of).total_months == months_between(
        admitted, as_of
    )
