"""Calendar arithmetic used by the membership rules (pure, no database)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when end is before start)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months


@dataclass(frozen=True)
class PartyAge:
    years: int
    months: int
    #: the admission date moved forward by the days spent outside the party
    counted_from: date
    interrupted_days: int

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


def compute_party_age(
    admitted_on: date,
    interruptions: Iterable[tuple[date, date | None]],
    as_of: date,
) -> PartyAge:
    """Party age on ``as_of``: from admission, minus interruption periods.

    Each interruption counts only where it overlaps [admitted_on, as_of];
    overlapping interruptions are not counted twice. An open interruption
    (no end) lasts until ``as_of``. The age is the calendar distance from the
    admission date to ``as_of`` moved back by the interrupted days: it stands
    still during an interruption and never goes down. (Measuring from the
    admission date moved forward instead lost a month on some days, e.g.
    admitted 27/02/2001, interrupted from 28/03/2001: one month on 28/03,
    none on 29/03.)
    """
    spans = sorted(
        (max(start, admitted_on), min(end or as_of, as_of))
        for start, end in interruptions
    )
    gap = 0
    covered_until: date | None = None
    for start, end in spans:
        if end < start:
            continue
        if covered_until is not None and start <= covered_until:
            start = covered_until + timedelta(days=1)
        if end >= start:
            gap += (end - start).days + 1
            covered_until = end if covered_until is None else max(covered_until, end)
    counted_from = admitted_on + timedelta(days=gap)
    total = months_between(admitted_on, as_of - timedelta(days=gap))
    return PartyAge(total // 12, total % 12, counted_from, gap)
