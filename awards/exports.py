"""Spreadsheet exports of the awards: the eligibility list, the badges due
on an occasion, a decision's annex and the register.

Each export is prepared from the same GET parameters as the page it comes
from (the page's own form cleans them, with the user's scoped choices) and
reads its rows through the awards selectors, which scope them to the user.
``prepare`` answers an ``Export``: what it is, how many rows, and a way to
produce them; the view then writes it at once (small) or hands it to a
background job (more than ``EXPORT_SYNC_MAX_ROWS`` rows), whose runner
prepares it again as the job's owner, inside the worker.

The headers are Vietnamese on purpose: they are data that emulation staff
exchange (the annex of a decision is filed as it is), not text of the
interface, and each sheet keeps them in one tuple of ``Column`` here.
Every export, direct or in a job, is recorded as an ``ExportRecord``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from committees.models import Grade
from committees.text import fold
from portal.jobs.registry import register
from portal.jobs.services import attach_file, record_export, report_progress
from portal.spreadsheets import Column, write_xlsx

from . import selectors
from .models import Award, Decision, RecipientType

#: The job kind of the exports that run in the background.
EXPORT_JOB = "awards_export"

#: Grades as emulation staff abbreviate them in lists.
GRADE_SHORT: dict[str, str] = {
    Grade.EXCELLENT: "HTXS",
    Grade.GOOD: "HTTNV",
    Grade.COMPLETED: "HTNV",
    Grade.NOT_COMPLETED: "KHTNV",
}

RECIPIENT_TYPE_WORDS: dict[str, str] = {
    RecipientType.MEMBER: "Đảng viên",
    RecipientType.ORGANIZATION: "Tổ chức đảng",
}

# ---------------------------------------------------------------- columns

ELIGIBILITY_MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("number", "STT", 6, "number"),
    Column("name", "Họ và tên", 28),
    Column("identifier", "Số thẻ đảng viên", 16),
    Column("organization", "Tổ chức đảng", 36),
    Column("run_length", "Số năm liên tục HTXS", 12, "number"),
    Column("evidence", "Căn cứ xét (kết quả xếp loại)", 50),
    Column("nominated", "Đã đề nghị (tờ trình số)", 14),
)

ELIGIBILITY_ORGANIZATION_COLUMNS: tuple[Column, ...] = (
    Column("number", "STT", 6, "number"),
    Column("name", "Tên tổ chức đảng", 40),
    Column("identifier", "Mã tổ chức", 16),
    Column("run_length", "Số năm liên tục HTXS", 12, "number"),
    Column("evidence", "Căn cứ xét (kết quả xếp loại)", 50),
    Column("nominated", "Đã đề nghị (tờ trình số)", 14),
)

BADGE_COLUMNS: tuple[Column, ...] = (
    Column("number", "STT", 6, "number"),
    Column("name", "Họ và tên", 28),
    Column("identifier", "Số thẻ đảng viên", 16),
    Column("organization", "Tổ chức đảng", 36),
    Column("badge", "Huy hiệu", 12),
    Column("admitted_on", "Ngày vào Đảng", 14, "date"),
    Column("interruptions", "Thời gian gián đoạn sinh hoạt đảng", 30),
    Column("party_age", "Tuổi Đảng", 16),
    Column("as_of", "Tính đến ngày", 14, "date"),
    Column("note", "Ghi chú", 28),
    Column("nominated", "Đã đề nghị (tờ trình số)", 14),
)

ANNEX_COLUMNS: tuple[Column, ...] = (
    Column("number", "STT", 6, "number"),
    Column("recipient", "Tập thể, cá nhân được khen thưởng", 36),
    Column("organization", "Thuộc tổ chức đảng", 36),
    Column("award", "Hình thức khen thưởng", 36),
    Column("period", "Kỳ thi đua", 12),
    Column("decision", "Số quyết định", 14),
    Column("signed_on", "Ngày quyết định", 14, "date"),
    Column("status", "Tình trạng", 22),
)

REGISTER_COLUMNS: tuple[Column, ...] = (
    Column("number", "STT", 6, "number"),
    Column("recipient", "Tập thể, cá nhân được khen thưởng", 36),
    Column("recipient_type", "Đối tượng", 14),
    Column("organization", "Thuộc tổ chức đảng", 36),
    Column("award", "Hình thức khen thưởng", 36),
    Column("period", "Kỳ thi đua", 12),
    Column("decision", "Số quyết định", 14),
    Column("signed_on", "Ngày quyết định", 14, "date"),
    Column("issuer", "Cấp quyết định", 30),
    Column("occasion_on", "Ngày trao (dịp)", 14, "date"),
    Column("status", "Tình trạng", 14),
    Column("revoked_at", "Ngày thu hồi", 14, "date"),
    Column("revocation_reason", "Lý do thu hồi", 36),
)

# ---------------------------------------------------------------- rows


def evidence_summary(evidence: Mapping[str, Any]) -> str:
    """``2020 HTXS, 2021 HTXS, …`` (and the years credited from merged
    organizations, where there are any)."""
    years = evidence.get("years") or []
    text = ", ".join(
        f"{y['year']} {GRADE_SHORT.get(y.get('grade', ''), y.get('grade', ''))}"
        for y in years
    )
    inherited = int(evidence.get("inherited_years") or 0)
    if inherited:
        text += f" (gồm {inherited} năm của tổ chức đã hợp nhất vào)"
    return text


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def interruption_text(spans: Iterable[Iterable[str | None]]) -> str:
    """``01/01/2015–01/06/2015; 03/04/2019–…`` (an open span has no end)."""
    parts = []
    for start, end in spans:
        parts.append(f"{_dmy(_iso(start))}–{_dmy(_iso(end)) or '…'}")
    return "; ".join(parts)


def party_age_text(age: Mapping[str, int]) -> str:
    return f"{age.get('years', 0)} năm {age.get('months', 0)} tháng"


def badge_note(evidence: Mapping[str, Any], status: str) -> str:
    notes = []
    if status == "deceased":
        notes.append("Truy tặng")
    early = int(evidence.get("early_years") or 0)
    if early:
        reason = {"seriously_ill": "ốm nặng", "deceased": "đã từ trần"}.get(
            evidence.get("early_reason", ""), ""
        )
        notes.append(f"Tặng sớm {early} năm" + (f" ({reason})" if reason else ""))
    return "; ".join(notes)


def candidate_rows(candidates: Iterable[selectors.Candidate]) -> Iterator[dict]:
    for number, row in enumerate(candidates, start=1):
        yield {
            "number": number,
            "name": row.name,
            "identifier": row.identifier,
            "organization": row.organization_name,
            "run_length": row.evidence.get("run_length"),
            "evidence": evidence_summary(row.evidence),
            "nominated": row.open_nomination_id,
        }


def badge_rows(candidates: Iterable[selectors.Candidate]) -> Iterator[dict]:
    for number, row in enumerate(candidates, start=1):
        evidence = row.evidence
        yield {
            "number": number,
            "name": row.name,
            "identifier": row.identifier,
            "organization": row.organization_name,
            "badge": f"{row.badge_years} năm",
            "admitted_on": _iso(evidence.get("admitted_on")),
            "interruptions": interruption_text(evidence.get("interruptions") or []),
            "party_age": party_age_text(evidence.get("party_age") or {}),
            "as_of": _iso(evidence.get("as_of")),
            "note": badge_note(evidence, row.status),
            "nominated": row.open_nomination_id,
        }


def _award_row(number: int, award: Award) -> dict:
    if award.member_id:
        organization = award.member.organization.name
        recipient_type = RecipientType.MEMBER
    else:
        organization = award.organization.name
        recipient_type = RecipientType.ORGANIZATION
    decision = award.decision
    return {
        "number": number,
        "recipient": award.recipient_name,
        "recipient_type": RECIPIENT_TYPE_WORDS[recipient_type],
        "organization": organization,
        "award": award.kind.name,
        "period": str(award.period),
        "decision": decision.document_number,
        "signed_on": decision.signed_on,
        "issuer": decision.issuer.name,
        "occasion_on": award.occasion_on,
        "status": (
            f"Đã thu hồi ngày {_dmy(award.revoked_at)}"
            if award.revoked_at
            else "Còn hiệu lực"
        ),
        "revoked_at": award.revoked_at,
        "revocation_reason": award.revocation_reason,
    }


def award_rows(awards: Iterable[Award]) -> Iterator[dict]:
    for number, award in enumerate(awards, start=1):
        yield _award_row(number, award)


# ---------------------------------------------------------------- exports


@dataclass
class Export:
    """One export, ready to write: what, for whom, how many rows."""

    #: what the ExportRecord says it was
    name: str
    title: str
    filename: str
    columns: tuple[Column, ...]
    count: int
    #: produces the rows (called once, when writing)
    rows: Callable[[], Iterable[Mapping[str, Any]]]
    #: the filters as the record keeps them (readable)
    filters: dict[str, Any] = field(default_factory=dict)
    #: what a job needs to prepare it again (JSON)
    params: dict[str, Any] = field(default_factory=dict)


def _slug(*parts: Any) -> str:
    text = " ".join(str(p) for p in parts if p).replace("–", "-")
    return slugify(fold(text))


def _form_errors(form: Any) -> ValidationError:
    messages = [m for errors in form.errors.values() for m in errors]
    return ValidationError(messages or [_("Choose what to export.")])


def _named(obj: Any) -> str:
    return "" if obj is None else str(obj)


def _query(data: Mapping[str, Any]) -> dict[str, Any]:
    """A QueryDict (or a dict) as JSON for the job: single values only."""
    getter = getattr(data, "get", None)
    return {key: getter(key) for key in data} if getter else dict(data)


def eligibility_export(user: Any, data: Mapping[str, Any]) -> Export:
    """The eligibility list of the eligibility page (kind, period, org)."""
    from .forms import EligibilityForm

    form = EligibilityForm(data, user=user)
    if not form.is_valid():
        raise _form_errors(form)
    kind, period = form.cleaned_data["kind"], form.cleaned_data["period"]
    within = form.cleaned_data["org"]
    candidates = selectors.eligible_candidates(
        user, kind=kind, period=period, within=within
    )
    columns = (
        ELIGIBILITY_MEMBER_COLUMNS
        if kind.for_members
        else ELIGIBILITY_ORGANIZATION_COLUMNS
    )
    return Export(
        name="awards_eligibility",
        title=f"Đủ điều kiện {period}",
        filename=f"du-dieu-kien-{_slug(kind.code, period, within and within.code)}"
        ".xlsx",
        columns=columns,
        count=len(candidates),
        rows=lambda: candidate_rows(candidates),
        filters={
            "kind": kind.code,
            "period": str(period),
            "organization": within.code if within else "",
        },
        params={"export": "eligibility", "data": _query(data)},
    )


def badges_export(user: Any, data: Mapping[str, Any]) -> Export:
    """The members due a badge on an occasion, as the badges page lists
    them (only badges reached since the previous occasion unless
    ``overdue``)."""
    from .forms import BadgeForm

    form = BadgeForm(data, user=user)
    if not form.is_valid():
        raise _form_errors(form)
    occasion = form.occasion_date()
    overdue = form.cleaned_data["overdue"]
    within = form.cleaned_data["org"]
    candidates = selectors.badges_due(
        user,
        occasion=occasion,
        since=None if overdue else selectors.previous_occasion(occasion),
        within=within,
    )
    return Export(
        name="awards_badges",
        title=f"Huy hiệu {occasion:%d-%m-%Y}",
        filename=f"huy-hieu-dang-{occasion:%Y-%m-%d}"
        + (f"-{_slug(within.code)}" if within else "")
        + ".xlsx",
        columns=BADGE_COLUMNS,
        count=len(candidates),
        rows=lambda: badge_rows(candidates),
        filters={
            "occasion": occasion.isoformat(),
            "overdue": overdue,
            "organization": within.code if within else "",
        },
        params={"export": "badges", "data": _query(data)},
    )


def annex_export(user: Any, decision_id: int) -> Export:
    """The recipients of a decision (its annex); ``Decision.DoesNotExist``
    outside the user's scope."""
    decision: Decision = selectors.decision_for_page(user, decision_id)
    # The rows name the decision (number, date, issuer) too.
    awards = selectors.decision_annex(decision).select_related("decision__issuer")
    number = decision.document_number
    return Export(
        name="awards_decision_annex",
        title=f"Phụ lục {number}".replace("/", "-"),
        filename=f"phu-luc-quyet-dinh-{_slug(number.replace('/', ' '))}.xlsx",
        columns=ANNEX_COLUMNS,
        count=awards.count(),
        rows=lambda: award_rows(awards.iterator(chunk_size=settings.EXPORT_CHUNK_SIZE)),
        filters={"decision": number, "decision_id": decision.pk},
        params={"export": "annex", "decision_id": decision.pk},
    )


def register_export(user: Any, data: Mapping[str, Any]) -> Export:
    """The register with the register page's filters and sort."""
    from .forms import RegisterFilterForm

    form = RegisterFilterForm(data, user=user)
    if not form.is_valid():
        raise _form_errors(form)
    filters = form.cleaned_data
    sort = data.get("sort", "-date") or "-date"
    awards = selectors.award_register(
        user,
        q=filters.get("q", ""),
        period=filters.get("period"),
        kind=filters.get("kind"),
        recipient_type=filters.get("recipient_type", ""),
        organization=filters.get("org"),
        revoked=filters.get("revoked", ""),
        sort=sort,
    )
    return Export(
        name="awards_register",
        title="Sổ khen thưởng",
        filename="so-khen-thuong.xlsx",
        columns=REGISTER_COLUMNS,
        count=awards.count(),
        rows=lambda: award_rows(awards.iterator(chunk_size=settings.EXPORT_CHUNK_SIZE)),
        filters={
            "q": filters.get("q", ""),
            "period": _named(filters.get("period")),
            "kind": filters["kind"].code if filters.get("kind") else "",
            "recipient_type": filters.get("recipient_type", ""),
            "organization": filters["org"].code if filters.get("org") else "",
            "revoked": filters.get("revoked", ""),
            "sort": sort,
        },
        params={"export": "register", "data": _query(data)},
    )


def prepare(user: Any, params: Mapping[str, Any]) -> Export:
    """The export named by ``params`` (as ``Export.params`` keeps it)."""
    which = params.get("export")
    if which == "annex":
        return annex_export(user, int(params["decision_id"]))
    builders = {
        "eligibility": eligibility_export,
        "badges": badges_export,
        "register": register_export,
    }
    if which not in builders:
        raise ValidationError(_("Unknown export."))
    return builders[which](user, params.get("data") or {})


def write(export: Export, target: Any, *, progress: Callable | None = None) -> int:
    """Write the export's sheet into ``target``; return its data rows."""
    return write_xlsx(
        target,
        title=export.title,
        columns=export.columns,
        rows=export.rows(),
        progress=progress,
    )


def record(user: Any, export: Export, rows: int, job: Any = None) -> None:
    record_export(
        acting_user=user,
        kind=export.name,
        format="xlsx",
        filters=export.filters,
        row_count=rows,
        job=job,
    )


@register(EXPORT_JOB, label=gettext_lazy("Export of an awards list"))
def run_export_job(job: Any) -> dict[str, Any]:
    """Background export: prepared again as the job's owner (their scope
    today), written with progress, kept as the job's file, recorded."""
    try:
        export = prepare(job.owner, job.params)
    except Decision.DoesNotExist:
        raise ValidationError(_("This decision is no longer in your scope.")) from None
    report_progress(job, 0, export.count, phase="exporting", force=True)
    with tempfile.TemporaryFile() as handle:
        rows = write(
            export,
            handle,
            progress=lambda done: report_progress(job, done, export.count),
        )
        handle.seek(0)
        attach_file(job, export.filename, handle)
    record(job.owner, export, rows, job=job)
    return {"filename": export.filename, "rows": rows}
