"""The printable certificate (PDF) of an award: it opens, it says who, what
and by which decision, in Vietnamese; it is marked when revoked; only staff
who see the award may download it, and each download is recorded."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from awards import certificates, services
from awards.models import Award
from portal.jobs.models import ExportRecord
from tests.awards.conftest import excellent
from tests.factories import MemberFactory


@pytest.fixture
def award(flow, member_kind, term_period, star) -> Award:
    decision = flow.conferred(member_kind, term_period, members=[star])
    return decision.awards.get()


def certificate_url(award: Award) -> str:
    return reverse("awards:award_certificate", args=[award.pk])


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_certificate_is_a_pdf_with_the_recipient_and_the_decision(
    client, province_staff, award
):
    client.force_login(province_staff)
    response = client.get(certificate_url(award))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Nguyễn Thị Sao" in text
    assert "BẰNG KHEN" in text
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text
    assert award.decision.document_number in text  # 1-QĐ/TU
    assert "Ngày 10 tháng 01 năm 2025" in text
    assert "hoàn thành xuất sắc nhiệm vụ 5 năm liền (2020–2024)" in text


def test_the_certificate_carries_the_verification_code_and_address(
    client, province_staff, award, settings
):
    settings.PORTAL_BASE_URL = "https://portal.example.vn"
    client.force_login(province_staff)
    text = pdf_text(client.get(certificate_url(award)).content)
    assert award.verification_code in text
    assert "https://portal.example.vn/awards/verify/?code=" in text


def test_the_certificate_is_a4_landscape(client, province_staff, award):
    client.force_login(province_staff)
    reader = PdfReader(BytesIO(client.get(certificate_url(award)).content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 842  # 297 mm
    assert round(float(box.height)) == 595  # 210 mm


def test_the_signer_signs_on_behalf_of_the_committee_as_secretary(
    client, province_staff, award, secretary
):
    client.force_login(province_staff)
    text = pdf_text(client.get(certificate_url(award)).content)
    assert "T/M BAN CHẤP HÀNH" in text
    assert "BÍ THƯ" in text
    assert secretary.full_name in text


def test_the_issuing_committee_heads_the_certificate(
    client, province_staff, award, tree
):
    client.force_login(province_staff)
    text = pdf_text(client.get(certificate_url(award)).content)
    assert tree.province.name.upper() in text


def test_an_organizations_certificate_names_the_organization(
    client, province_staff, flow, org_year_kind, year_period, tree
):
    excellent(tree.city_grassroots, 2024)
    decision = flow.conferred(org_year_kind, year_period, orgs=[tree.city_grassroots])
    client.force_login(province_staff)
    text = pdf_text(client.get(certificate_url(decision.awards.get())).content)
    assert tree.city_grassroots.name in text
    assert "hoàn thành xuất sắc nhiệm vụ năm 2024" in text


def test_a_revoked_certificate_is_marked_revoked(client, province_staff, award):
    client.force_login(province_staff)
    assert "ĐÃ THU HỒI" not in pdf_text(client.get(certificate_url(award)).content)
    services.revoke_award(
        acting_user=province_staff,
        award=award,
        reason="Vi phạm kỷ luật",
        revoked_at=date(2025, 3, 1),
    )
    text = pdf_text(client.get(certificate_url(award)).content)
    assert "ĐÃ THU HỒI ngày 01 tháng 03 năm 2025" in text
    assert "Nguyễn Thị Sao" in text


def test_the_recipients_own_staff_may_download_it(client, city_staff, award):
    client.force_login(city_staff)
    assert client.get(certificate_url(award)).status_code == 200


def test_someone_outside_the_scope_gets_404(client, outsider, award):
    client.force_login(outsider)
    assert client.get(certificate_url(award)).status_code == 404
    assert client.post(certificate_url(award)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, award):
    response = client.get(certificate_url(award))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_download_is_recorded(client, city_staff, award):
    client.force_login(city_staff)
    client.get(certificate_url(award))
    record = ExportRecord.objects.get()
    assert record.user == city_staff
    assert record.kind == "award_certificate"
    assert record.format == "pdf"
    assert record.row_count == 1
    assert record.filters["award_id"] == award.pk


def test_a_post_is_refused(client, city_staff, award):
    client.force_login(city_staff)
    assert client.post(certificate_url(award)).status_code == 405
    assert not ExportRecord.objects.exists()


def test_the_fonts_ship_with_the_code_and_cover_vietnamese():
    """A fresh machine with only Python renders certificates: the fonts and
    their licence are in the repository, and they hold every letter."""
    from fontTools.ttLib import TTFont

    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = TTFont(certificates.FONT_DIR / name)
        cmap = font.getBestCmap()
        for letter in "ĐđƠơƯưẮặỄệỖộỮựỲỹÃãẠạ":
            assert ord(letter) in cmap, (name, letter)
    assert (certificates.FONT_DIR / "LICENSE").read_text().count("Bitstream") >= 2


def test_a_badge_certificate_names_the_badge(
    client, province_staff, badge_kinds, tree, flow
):
    member = MemberFactory(
        full_name="Lê Văn Cường",
        organization=tree.city_cell,
        admitted_on=date(1995, 6, 1),
    )
    nominations = services.nominate_badges(
        acting_user=flow.city_staff,
        proposer=tree.city,
        occasion_on=date(2025, 9, 2),
        member_ids=[member.pk],
    )
    for nomination in nominations:
        services.submit_nomination(acting_user=flow.city_staff, nomination=nomination)
        services.approve_nomination(acting_user=province_staff, nomination=nomination)
    decision = services.issue_decision(
        acting_user=province_staff,
        issuer=tree.province,
        nominations=nominations,
        signer=flow.secretary,
        signed_on=date(2025, 8, 20),
    )
    client.force_login(province_staff)
    text = pdf_text(client.get(certificate_url(decision.awards.get())).content)
    assert "GIẤY CHỨNG NHẬN" in text
    assert "Được tặng Huy hiệu 30 năm tuổi Đảng" in text


def test_the_award_page_links_to_its_certificate(client, city_viewer, award):
    client.force_login(city_viewer)
    page = client.get(award.get_absolute_url()).content.decode()
    assert f'href="{certificate_url(award)}"' in page
