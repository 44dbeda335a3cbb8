"""The printable certificate of an award (PDF) and its public verification.

The certificate is a party document, so it is written in Vietnamese
whatever the language of the page it is downloaded from: its words are
data kept here (``TITLES``, ``ROLE_TITLES``, the reason texts), like the
headers of the exports. Layout (A4 landscape):

- top left, the issuing committee (its name, the body on whose behalf it
  grants: Executive or Standing Committee); top right the party header
  "ĐẢNG CỘNG SẢN VIỆT NAM" (state documents carry the national motto
  instead; a party committee's certificate does not);
- the form of the award ("BẰNG KHEN", "GIẤY KHEN", …), the recipient's name,
  the reason (from the kind's criterion and the period, or the nomination's
  justification for manual kinds), the award kind and period;
- the decision's number and date; the signer's position in the issuing
  organization on that day and name;
- the verification code and the address where anybody can check it
  (``PORTAL_BASE_URL`` + the public verification page).

The text is set in DejaVu Sans, committed under ``awards/fonts/`` (with its
licence), which covers every Vietnamese letter; fpdf2 embeds the subset of
glyphs used, so the file opens anywhere.

**A revoked award** still prints, marked: a large diagonal "ĐÃ THU HỒI"
across the page and the date of revocation under the title. Staff keep the
register's paper trail; the printout can never pass for a valid one, and
the verification page says "revoked" to whoever checks the code.

**Verification** (``verify_code``) is public: it answers only the
recipient's name, the award, the decision's number and date and the status
(valid, or revoked with its date), never anything else about the member.
A known and an unknown code cost the same single indexed query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from committees.models import Body, MemberStatus, Position, Role

from .models import Award, AwardForm, Criterion, PeriodType

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"

#: The longest verification code looked up (codes are 16 characters).
MAX_CODE_LENGTH = 64

#: The title of the certificate by the form of the award.
TITLES: dict[str, str] = {
    AwardForm.FLAG: "CỜ THI ĐUA",
    AwardForm.CERTIFICATE_OF_MERIT: "BẰNG KHEN",
    AwardForm.CERTIFICATE: "GIẤY KHEN",
    AwardForm.BADGE: "GIẤY CHỨNG NHẬN",
}

BODY_NAMES: dict[str, str] = {
    Body.EXECUTIVE: "BAN CHẤP HÀNH",
    Body.STANDING: "BAN THƯỜNG VỤ",
    Body.INSPECTION: "ỦY BAN KIỂM TRA",
}

#: The signer's title under "T/M …" by their position.
ROLE_TITLES: dict[str, str] = {
    Role.SECRETARY: "BÍ THƯ",
    Role.STANDING_DEPUTY_SECRETARY: "PHÓ BÍ THƯ THƯỜNG TRỰC",
    Role.DEPUTY_SECRETARY: "PHÓ BÍ THƯ",
    Role.STANDING_MEMBER: "ỦY VIÊN BAN THƯỜNG VỤ",
    Role.MEMBER: "ỦY VIÊN BAN CHẤP HÀNH",
    Role.INSPECTION_CHAIR: "CHỦ NHIỆM ỦY BAN KIỂM TRA",
    Role.INSPECTION_DEPUTY: "PHÓ CHỦ NHIỆM ỦY BAN KIỂM TRA",
    Role.INSPECTION_MEMBER: "ỦY VIÊN ỦY BAN KIỂM TRA",
}

PARTY_HEADER = "ĐẢNG CỘNG SẢN VIỆT NAM"
REVOKED_STAMP = "ĐÃ THU HỒI"

RED = (176, 0, 32)
DARK_RED = (130, 0, 20)
GOLD = (191, 144, 0)
INK = (30, 30, 30)


# ---------------------------------------------------------------- texts


def period_text(award: Award) -> str:
    period = award.period
    if period.period_type == PeriodType.YEAR:
        return f"năm {period.start_year}"
    return f"nhiệm kỳ {period.start_year}–{period.end_year}"


def reason_text(award: Award) -> str:
    """Why the award was given, as the certificate words it."""
    kind, period = award.kind, award.period
    if kind.criterion in (
        Criterion.CONSECUTIVE_EXCELLENT_MEMBER,
        Criterion.CONSECUTIVE_EXCELLENT_ORGANIZATION,
    ):
        years = kind.consecutive_years or 1
        last = period.last_rated_year
        return (
            "Đã có thành tích hoàn thành xuất sắc nhiệm vụ "
            f"{years} năm liền ({last - years + 1}–{last})"
        )
    if kind.criterion == Criterion.EXCELLENT_ORGANIZATION_YEAR:
        return (
            "Đã có thành tích hoàn thành xuất sắc nhiệm vụ "
            f"năm {period.last_rated_year}"
        )
    if kind.criterion == Criterion.BADGE:
        verb = "Được truy tặng" if _deceased(award) else "Được tặng"
        return f"{verb} {kind.name}"
    justification = (award.item.justification or "").strip()
    if justification:
        return justification
    if kind.description.strip():
        return kind.description.strip()
    return f"Đã có thành tích xuất sắc trong phong trào thi đua {period_text(award)}"


def _deceased(award: Award) -> bool:
    return bool(award.member_id) and award.member.status == MemberStatus.DECEASED


def date_words(day: date) -> str:
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def verification_url(code: str) -> str:
    path = reverse("awards:verify_public")
    return f"{settings.PORTAL_BASE_URL}{path}?{urlencode({'code': code})}"


def signer_position(award: Award) -> Position | None:
    """The signer's highest position in the issuing organization on the
    day of the decision (one query)."""
    decision = award.decision
    return (
        Position.objects.current(decision.signed_on)
        .filter(member_id=decision.signer_id, organization_id=decision.issuer_id)
        .order_by("rank", "id")
        .first()
    )


def signature_lines(award: Award, position: Position | None) -> list[str]:
    """``T/M BAN THƯỜNG VỤ`` then ``BÍ THƯ`` (or ``K/T BÍ THƯ`` and the
    deputy's title when someone else signs for the Secretary)."""
    lines = [f"T/M {BODY_NAMES.get(award.decision.body, 'BAN CHẤP HÀNH')}"]
    if position is None:
        return lines
    if position.role == Role.SECRETARY:
        lines.append(ROLE_TITLES[Role.SECRETARY])
    else:
        lines += ["K/T BÍ THƯ", ROLE_TITLES.get(position.role, "")]
    return [line for line in lines if line]


# ---------------------------------------------------------------- the PDF


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(20, 18, 20)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))

    def centered(
        self,
        y: float,
        text: str,
        size: float,
        *,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        height: float | None = None,
    ) -> float:
        """Center ``text`` (wrapped) across the page from ``y``; returns the
        y below it."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)
        self.set_xy(self.l_margin, y)
        self.multi_cell(
            self.epw,
            height or size * 0.5,
            text,
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        return self.get_y()

    def block(
        self,
        x: float,
        y: float,
        width: float,
        lines: list[tuple[str, float, bool]],
        *,
        align: str = "C",
    ) -> float:
        """Lines (text, size, bold) in a column at ``x``; returns the y below."""
        self.set_xy(x, y)
        for text, size, bold in lines:
            self.set_font(FONT, "B" if bold else "", size)
            self.set_x(x)
            self.multi_cell(
                width, size * 0.5, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT
            )
        return self.get_y()


def render_certificate(award: Award, position: Position | None = None) -> bytes:
    """The certificate of ``award`` as PDF bytes.

    ``award`` comes from ``selectors.award_for_page`` (kind, period,
    decision with issuer and signer, member or organization, item loaded).
    """
    if position is None:
        position = signer_position(award)
    decision = award.decision
    pdf = _Certificate()
    pdf.set_title(
        f"{TITLES.get(award.kind.form, 'BẰNG KHEN')} – {award.recipient_name}"
    )
    pdf.set_author(decision.issuer.name)
    pdf.set_creator("Cổng thông tin Tỉnh ủy")
    pdf.add_page()

    # Frame: a red line and a thin gold one inside it.
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11.5, 11.5, pdf.w - 23, pdf.h - 23)

    # Header: the issuing committee on the left, the party on the right.
    pdf.set_text_color(*INK)
    column = 110
    pdf.block(
        18,
        18,
        column,
        [
            (decision.issuer.name.upper(), 11, False),
            (BODY_NAMES.get(decision.body, "BAN CHẤP HÀNH"), 11, True),
            ("*", 11, False),
        ],
    )
    pdf.set_font(FONT, "B", 12)
    pdf.set_xy(pdf.w - 18 - column, 18)
    pdf.cell(column, 6, PARTY_HEADER, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    # The rule under the party header, as on party documents.
    rule = pdf.get_string_width(PARTY_HEADER)
    middle = pdf.w - 18 - column / 2
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(middle - rule / 2, 24.5, middle + rule / 2, 24.5)

    # Title, recipient, reason.
    title = TITLES.get(award.kind.form, "BẰNG KHEN")
    y = pdf.centered(50, title, 40, bold=True, color=RED, height=17)
    if award.is_revoked:
        y = pdf.centered(
            y,
            f"{REVOKED_STAMP} {date_words(award.revoked_at)}",
            12,
            bold=True,
            color=RED,
        )
    y = pdf.centered(y + 4, "Tặng", 14)
    y = pdf.centered(
        y + 2, award.recipient_name, 26, bold=True, color=DARK_RED, height=12
    )
    if award.member_id:
        y = pdf.centered(y + 1.5, f"Đảng viên {award.member.organization.name}", 12)
    y = pdf.centered(y + 4, reason_text(award), 14, height=7.5)
    pdf.centered(y + 2, f"({award.kind.name} – {period_text(award)})", 11)

    # Decision (left) and signature (right).
    bottom = pdf.h - 68
    pdf.set_text_color(*INK)
    pdf.block(
        22,
        bottom + 6,
        125,
        [
            (f"Quyết định số {decision.document_number}", 11, True),
            (date_words(decision.signed_on).capitalize(), 11, False),
        ],
        align="L",
    )
    signature = [(date_words(decision.signed_on).capitalize(), 11, False)]
    signature += [(line, 12, True) for line in signature_lines(award, position)]
    y = pdf.block(pdf.w - 22 - 120, bottom, 120, signature)
    pdf.block(pdf.w - 22 - 120, y + 22, 120, [(decision.signer.full_name, 13, True)])

    # Verification, at the foot.
    pdf.set_text_color(90, 90, 90)
    address = verification_url(award.verification_code)
    pdf.block(
        22,
        pdf.h - 28,
        pdf.w - 44,
        [
            (f"Mã xác thực: {award.verification_code}", 9, True),
            (f"Kiểm tra tính hợp lệ tại: {address}", 9, False),
        ],
        align="L",
    )

    if award.is_revoked:
        pdf.set_font(FONT, "B", 90)
        pdf.set_text_color(*RED)
        width = pdf.get_string_width(REVOKED_STAMP)
        cx, cy = pdf.w / 2, pdf.h / 2 + 10
        with pdf.local_context(fill_opacity=0.25), pdf.rotation(25, x=cx, y=cy):
            pdf.text(cx - width / 2, cy + 12, REVOKED_STAMP)
    return bytes(pdf.output())


def certificate_filename(award: Award) -> str:
    words = {
        AwardForm.FLAG: "co-thi-dua",
        AwardForm.CERTIFICATE_OF_MERIT: "bang-khen",
        AwardForm.CERTIFICATE: "giay-khen",
        AwardForm.BADGE: "giay-chung-nhan-huy-hieu",
    }
    return f"{words.get(award.kind.form, 'khen-thuong')}-{award.pk}.pdf"


# ---------------------------------------------------------------- verification


class Status:
    VALID = "valid"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Verification:
    """What the public may know of a certificate, and nothing more."""

    recipient_name: str
    award: str
    decision_number: str
    decision_date: date
    status: str
    revoked_on: date | None

    @property
    def is_valid(self) -> bool:
        return self.status == Status.VALID


def normalize_code(code: str) -> str:
    return "".join((code or "").split())[:MAX_CODE_LENGTH]


def verify_code(code: str) -> Verification | None:
    """The public facts of the certificate with this code; None if unknown.

    One indexed query either way (the unique verification code), loading
    only the columns shown: the recipient's name as on the decision, the
    kind's name, the decision's number, date and issuer kind.
    """
    award = (
        Award.objects.filter(verification_code=normalize_code(code))
        .select_related("kind", "decision__issuer")
        .only(
            "recipient_name",
            "revoked_at",
            "kind__name",
            "decision__number",
            "decision__signed_on",
            "decision__issuer__kind",
        )
        .first()
    )
    if award is None:
        return None
    return Verification(
        recipient_name=award.recipient_name,
        award=award.kind.name,
        decision_number=award.decision.document_number,
        decision_date=award.decision.signed_on,
        status=Status.REVOKED if award.revoked_at else Status.VALID,
        revoked_on=award.revoked_at,
    )
