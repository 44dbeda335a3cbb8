"""Document numbers (``committees.documents``): ``<n>-<kind>/<issuer>``,
issued in sequence per issuer, kind and term, typed numbers validated,
duplicates refused, unique under two concurrent issuers."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, transaction

from committees.documents import (
    format_number,
    issue_number,
    issuer_code,
    parse_number,
    reserve_number,
    term_on,
)
from committees.models import DocumentCounter, DocumentNumber, Term
from tests.factories import term_2020

QD, NQ = "QĐ", "NQ"


@pytest.fixture
def term2020(db):
    return term_2020()


def test_the_issuer_code_is_tu_for_the_province_and_du_for_other_committees(tree):
    assert issuer_code(tree.province) == "TU"
    assert issuer_code(tree.city) == "ĐU"
    assert issuer_code(tree.city_grassroots) == "ĐU"


def test_format_and_parse_are_each_others_inverse(tree):
    assert format_number(381, NQ, tree.province) == "381-NQ/TU"
    assert format_number(12, QD, "ĐU") == "12-QĐ/ĐU"
    parsed = parse_number("381-NQ/TU")
    assert (parsed.number, parsed.kind, parsed.issuer) == (381, NQ, "TU")
    assert str(parse_number(" 12 - qd / du ")) == "12-QĐ/ĐU"


@pytest.mark.parametrize("text", ["", "381", "NQ-381/TU", "381-XX/TU", "381/NQ-TU"])
def test_parse_refuses_what_is_not_a_document_number(text):
    with pytest.raises(ValidationError):
        parse_number(text)


def test_numbers_are_issued_in_sequence_per_issuer_kind_and_term(tree, term2020):
    assert [
        issue_number(issuer=tree.province, kind=QD, term=term2020) for _ in "abc"
    ] == [
        1,
        2,
        3,
    ]
    assert issue_number(issuer=tree.province, kind=NQ, term=term2020) == 1
    assert issue_number(issuer=tree.city, kind=QD, term=term2020) == 1
    later = Term.objects.create(
        name="2025–2030", starts_on=date(2025, 10, 1), ends_on=date(2030, 9, 30)
    )
    assert issue_number(issuer=tree.province, kind=QD, term=later) == 1
    assert DocumentNumber.objects.filter(issuer=tree.province, kind=QD).count() == 4


def test_a_typed_number_is_taken_and_the_sequence_continues_after_it(tree, term2020):
    assert reserve_number(issuer=tree.province, kind=QD, term=term2020, number=10) == 10
    assert issue_number(issuer=tree.province, kind=QD, term=term2020) == 11
    # a free number below the counter may still be typed in
    assert (
        reserve_number(issuer=tree.province, kind=QD, term=term2020, number="4-QĐ/TU")
        == 4
    )
    assert issue_number(issuer=tree.province, kind=QD, term=term2020) == 12


def test_a_duplicate_typed_number_is_refused(tree, term2020):
    issue_number(issuer=tree.province, kind=QD, term=term2020)
    with pytest.raises(ValidationError, match="already taken"):
        reserve_number(issuer=tree.province, kind=QD, term=term2020, number=1)
    reserve_number(issuer=tree.province, kind=QD, term=term2020, number=7)
    with pytest.raises(ValidationError, match="already taken"):
        reserve_number(issuer=tree.province, kind=QD, term=term2020, number="7-QD/TU")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5-NQ/TU", "not of a"),
        ("5-QĐ/ĐU", "end in /TU"),
        ("0", "between 1 and"),
        ("100000", "between 1 and"),
        ("năm", "number-kind/issuer"),
    ],
)
def test_a_typed_number_is_validated(tree, term2020, typed, message):
    with pytest.raises(ValidationError, match=message):
        reserve_number(issuer=tree.province, kind=QD, term=term2020, number=typed)
    assert not DocumentNumber.objects.exists()


def test_the_term_of_a_date_prefers_the_committees_five_year_term(db, term2020):
    cells = Term.objects.create(
        name="2025–2027", starts_on=date(2025, 4, 1), ends_on=date(2027, 3, 31)
    )
    assert term_on(date(2025, 5, 1)) == term2020
    assert term_on(date(2026, 5, 1)) == cells
    assert term_on(date(2019, 5, 1)) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_issuers_never_get_the_same_number(tree):
    """Two threads, each with its own database connection, issue numbers at
    the same time, starting before the counter row exists."""
    term = term_2020()
    assert connection.vendor == "postgresql"
    per_thread = 15
    barrier = threading.Barrier(2)
    results: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                with transaction.atomic():
                    results[name].append(
                        issue_number(issuer=tree.province, kind=QD, term=term)
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in results]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    numbers = results["a"] + results["b"]
    assert sorted(numbers) == list(range(1, 2 * per_thread + 1))
    assert DocumentCounter.objects.get().last_number == 2 * per_thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_typed_number_racing_the_sequence_is_refused_not_duplicated(tree):
    term = term_2020()
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def issue() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                outcome["issued"] = issue_number(
                    issuer=tree.province, kind=QD, term=term
                )
        finally:
            connection.close()

    def typed() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                outcome["typed"] = reserve_number(
                    issuer=tree.province, kind=QD, term=term, number=1
                )
        except ValidationError as error:
            outcome["typed"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=issue), threading.Thread(target=typed)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    taken = list(DocumentNumber.objects.values_list("number", flat=True))
    assert len(taken) == len(set(taken))
    if isinstance(outcome["typed"], ValidationError):
        assert outcome["issued"] == 1  # the sequence won
    else:
        assert outcome["issued"] == 2  # the typed number won: the sequence moved on
