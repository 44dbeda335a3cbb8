"""The public verification page: anybody types a certificate's code and
learns whether it is valid or revoked, with the recipient's name, the award
and the decision, and nothing else about the member; an unknown code is
"not found"; guessing is limited per address."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awards import services
from awards.models import Award
from tests.factories import MemberFactory

VERIFY = reverse("awards:verify_public")


@pytest.fixture(autouse=True)
def _fresh_counters():
    # The guess counters live in the cache: each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def award(flow, member_kind, term_period, tree) -> Award:
    member = MemberFactory(
        full_name="Nguyễn Thị Sao",
        organization=tree.city_cell,
        birth_date=date(1979, 11, 23),
        card_number="93012345",
    )
    from tests.awards.conftest import excellent

    excellent(member, 2020, 2021, 2022, 2023, 2024)
    decision = flow.conferred(member_kind, term_period, members=[member])
    return decision.awards.get()


def check(client, code: str):
    return client.get(VERIFY, {"code": code})


def test_the_page_is_public_and_shows_the_form(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert 'data-testid="verify-form"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_a_valid_certificate_then_revoked(client, award, province_staff):
    response = check(client, award.verification_code)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-status="valid"' in page
    assert "Nguyễn Thị Sao" in page
    assert "Bằng khen của Tỉnh ủy cho đảng viên" in page
    assert "1-QĐ/TU" in page
    assert "10/01/2025" in page

    services.revoke_award(
        acting_user=province_staff,
        award=award,
        reason="Khai man hồ sơ",
        revoked_at=date(2025, 4, 2),
    )
    page = check(client, award.verification_code).content.decode()
    assert 'data-status="revoked"' in page
    assert 'data-status="valid"' not in page
    assert "02/04/2025" in page
    assert "Nguyễn Thị Sao" in page
    # The reason of a revocation is about the member: not shown.
    assert "Khai man" not in page


def test_it_never_shows_the_members_other_data(client, award, tree):
    page = check(client, award.verification_code).content.decode()
    assert "93012345" not in page  # party card number
    assert "23/11/1979" not in page  # date of birth
    assert tree.city_cell.name not in page  # the member's cell
    context_result = check(client, award.verification_code).context["result"]
    assert set(vars(context_result)) == {
        "recipient_name",
        "award",
        "decision_number",
        "decision_date",
        "status",
        "revoked_on",
    }


def test_an_unknown_code_is_not_found_not_an_error(client, award):
    response = check(client, "no-such-code-123")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'data-testid="verify-not-found"' in page
    assert "Nguyễn Thị Sao" not in page


def test_junk_codes_are_not_found_either(client, award):
    for code in (
        "' OR 1=1 --",
        "x" * 500,
        "<script>",
        "%00",
        award.verification_code[:-1],
    ):
        response = check(client, code)
        assert response.status_code == 404, code
        assert "<script>" not in response.content.decode()


def test_spaces_around_a_typed_code_are_ignored(client, award):
    code = award.verification_code
    response = check(client, f"  {code[:8]} {code[8:]}\n")
    assert response.status_code == 200
    assert 'data-status="valid"' in response.content.decode()


def test_a_known_and_an_unknown_code_cost_the_same_queries(client, award):
    with CaptureQueriesContext(connection) as known:
        check(client, award.verification_code)
    with CaptureQueriesContext(connection) as unknown:
        check(client, "AAAAAAAAAAAAAAAA")
    assert len(known) == len(unknown) == 1


def test_guessing_is_limited_per_address(client, award, settings):
    settings.VERIFY_RATE_LIMIT = 3
    for n in range(3):
        assert check(client, f"guess-{n}").status_code == 404
    response = check(client, award.verification_code)
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="verify-throttled"' in page
    assert "Nguyễn Thị Sao" not in page
    # Another address is not held back.
    other = client.get(
        VERIFY, {"code": award.verification_code}, REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 200


def test_the_form_alone_does_not_count_as_a_guess(client, settings, db):
    settings.VERIFY_RATE_LIMIT = 1
    for _n in range(3):
        assert client.get(VERIFY).status_code == 200
    assert check(client, "x").status_code == 404


def test_a_post_is_refused(client, award):
    response = client.post(VERIFY, {"code": award.verification_code})
    assert response.status_code == 405


def test_signed_in_staff_see_it_too(client, outsider, award):
    """Verification is not about scope: the district's staff check a city
    certificate as anybody would, and see no more."""
    client.force_login(outsider)
    response = check(client, award.verification_code)
    assert response.status_code == 200
    assert "93012345" not in response.content.decode()


def test_the_login_page_links_to_it(client, db):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{VERIFY}"' in page
