"""Numbers of party documents: ``<number>-<kind>/<issuer>`` (DOMAIN.md §6).

``381-NQ/TU`` is resolution 381 of the Provincial Committee. Numbers restart
at 1 for each kind of document, per issuing committee, per term. The portal
issues them in sequence (``issue_number``) and also takes numbers typed in
from a paper register (``reserve_number``), which it validates and refuses
when already taken.

Concurrency: both functions lock the counter row of (issuer, kind, term)
with ``SELECT … FOR UPDATE`` inside the caller's transaction, so two staff
issuing at the same moment are served one after the other and never get the
same number; the row is created on first use with ``get_or_create``, whose
unique constraint makes the loser of a creation race read the winner's row.
``DocumentNumber`` keeps every number taken (unique), which is what refuses
a duplicate typed number. On SQLite, where FOR UPDATE does not exist,
writers are serialized by the ``IMMEDIATE`` transactions of the settings.

The issuer part is not the organization's code but the short issuer
abbreviation used on party documents: ``issuer_code`` maps the kind of the
issuing organization (province → ``TU``, every other committee → ``ĐU``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import (
    DocumentCounter,
    DocumentKind,
    DocumentNumber,
    Organization,
    OrganizationKind,
    Term,
)

#: The issuer abbreviation of a document by the kind of the issuing
#: organization; any other kind issues as a party committee ("ĐU").
ISSUER_CODES: dict[str, str] = {OrganizationKind.PROVINCE: "TU"}
DEFAULT_ISSUER_CODE = "ĐU"

#: The highest number a typed document number may carry.
MAX_NUMBER = 99_999

_NUMBER_RE = re.compile(
    r"^\s*(?P<number>\d{1,9})\s*-\s*(?P<kind>[A-ZĐ]{2,4})\s*/\s*(?P<issuer>[A-ZĐ0-9]{1,12})\s*$"
)


def issuer_code(organization: Organization) -> str:
    """The abbreviation after the slash: ``TU`` for the provincial committee,
    ``ĐU`` for any other party committee."""
    return ISSUER_CODES.get(organization.kind, DEFAULT_ISSUER_CODE)


def _ascii_d(text: str) -> str:
    """Staff type "QD" or "DU" for "QĐ" and "ĐU": accept both."""
    return text.upper().replace("Đ", "D")


@dataclass(frozen=True)
class ParsedNumber:
    number: int
    kind: str
    issuer: str

    def __str__(self) -> str:
        return f"{self.number}-{self.kind}/{self.issuer}"


def format_number(number: int, kind: str, issuer: Organization | str) -> str:
    """``format_number(381, "NQ", province)`` → ``"381-NQ/TU"``."""
    code = issuer if isinstance(issuer, str) else issuer_code(issuer)
    return f"{number}-{kind}/{code}"


def parse_number(text: str) -> ParsedNumber:
    """``"381-NQ/TU"`` → ``ParsedNumber(381, "NQ", "TU")``.

    Case and spaces around the dash and slash do not matter; "QD" and "DU"
    are read as "QĐ" and "ĐU". Raises ValidationError on anything else.
    """
    match = _NUMBER_RE.match(text.upper())
    if match is None:
        raise ValidationError(
            _("Write a document number as number-kind/issuer, e.g. 381-NQ/TU."),
            code="format",
        )
    kinds = {_ascii_d(kind): kind for kind in DocumentKind.values}
    kind = kinds.get(_ascii_d(match["kind"]))
    if kind is None:
        raise ValidationError(
            _("“%(kind)s” is not a kind of party document.") % {"kind": match["kind"]},
            code="kind",
        )
    issuer = match["issuer"]
    if _ascii_d(issuer) == _ascii_d(DEFAULT_ISSUER_CODE):
        issuer = DEFAULT_ISSUER_CODE
    return ParsedNumber(int(match["number"]), kind, issuer)


def term_on(day: date) -> Term | None:
    """The term a document dated ``day`` belongs to.

    Where terms overlap (the cells' 2025–2027 term runs inside 2020–2025 for
    a while), the longest covering term wins: the committees' five-year term.
    """
    terms = [t for t in Term.objects.filter(starts_on__lte=day, ends_on__gte=day)]
    if not terms:
        return None
    return max(terms, key=lambda t: (t.ends_on - t.starts_on, -t.starts_on.toordinal()))


def _locked_counter(issuer: Organization, kind: str, term: Term) -> DocumentCounter:
    if kind not in DocumentKind.values:
        raise ValueError(f"Unknown kind of document {kind!r}")
    counter, _created = DocumentCounter.objects.get_or_create(
        issuer=issuer, kind=kind, term=term
    )
    # Re-read under the lock: a concurrent issuer may have moved it on.
    return DocumentCounter.objects.select_for_update().get(pk=counter.pk)


@transaction.atomic
def issue_number(*, issuer: Organization, kind: str, term: Term) -> int:
    """The next number of this kind for the issuer in the term, taken."""
    counter = _locked_counter(issuer, kind, term)
    number = counter.last_number + 1
    # last_number is never below a typed number (see reserve_number), so the
    # next one is free; the unique constraint guards it anyway.
    DocumentNumber.objects.create(issuer=issuer, kind=kind, term=term, number=number)
    counter.last_number = number
    counter.save(update_fields=["last_number", "updated_at"])
    return number


@transaction.atomic
def reserve_number(
    *, issuer: Organization, kind: str, term: Term, number: int | str
) -> int:
    """Take a number typed in by staff (``12`` or ``"12-QĐ/TU"``).

    A typed full number must name this kind and this issuer's abbreviation.
    A number already taken is refused; a number above the counter moves it
    on, so that numbers issued in sequence continue after it.
    """
    if isinstance(number, str):
        text = number.strip()
        if text.isdigit():
            number = int(text)
        else:
            parsed = parse_number(text)
            if parsed.kind != kind:
                raise ValidationError(
                    _("This number is of a %(typed)s, not of a %(kind)s.")
                    % {
                        "typed": DocumentKind(parsed.kind).label,
                        "kind": DocumentKind(kind).label,
                    },
                    code="kind",
                )
            expected = issuer_code(issuer)
            if parsed.issuer != expected:
                raise ValidationError(
                    _("Documents of %(issuer)s end in /%(code)s, not /%(typed)s.")
                    % {"issuer": issuer, "code": expected, "typed": parsed.issuer},
                    code="issuer",
                )
            number = parsed.number
    if not 1 <= number <= MAX_NUMBER:
        raise ValidationError(
            _("A document number lies between 1 and %(max)s.") % {"max": MAX_NUMBER},
            code="range",
        )
    counter = _locked_counter(issuer, kind, term)
    if DocumentNumber.objects.filter(
        issuer=issuer, kind=kind, term=term, number=number
    ).exists():
        raise ValidationError(
            _("Number %(number)s is already taken in the term %(term)s.")
            % {"number": format_number(number, kind, issuer), "term": term},
            code="duplicate",
        )
    DocumentNumber.objects.create(
        issuer=issuer, kind=kind, term=term, number=number, typed=True
    )
    if number > counter.last_number:
        counter.last_number = number
        counter.save(update_fields=["last_number", "updated_at"])
    return number
