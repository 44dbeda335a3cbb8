"""The transfer pages: issue from the member page, move within the scope,
the list (tabs, filters, pagination, query counts), the member page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test.utils import override_settings

from committees.models import Transfer, TransferKind, TransferStatus
from tests.committees.pages import count_queries, url
from tests.committees.restructure import seat
from tests.committees.transfer_support import days_ago, issue, placed_member, today
from tests.factories import K, org


def dmy(day) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def member(tree):
    return placed_member(tree.city_cell, full_name="Phạm Văn Đi")


# ---------------------------------------------------------------- issue


def test_the_member_page_offers_move_and_transfer(client, city_staff, member):
    client.force_login(city_staff)
    page = client.get(url("member_detail", member.pk)).content.decode()
    assert url("member_transfer", member.pk) in page
    assert url("member_move", member.pk) in page


def test_a_viewer_sees_no_transfer_button_and_gets_403(client, city_viewer, member):
    client.force_login(city_viewer)
    page = client.get(url("member_detail", member.pk)).content.decode()
    assert url("member_transfer", member.pk) not in page
    for name in ("member_transfer", "member_move"):
        assert client.get(url(name, member.pk)).status_code == 403
        assert client.post(url(name, member.pk)).status_code == 403
    assert not Transfer.objects.exists()


def test_issuing_from_the_form(client, city_staff, member, tree):
    client.force_login(city_staff)
    form = client.get(url("member_transfer", member.pk))
    assert form.status_code == 200
    assert form.context["form"].initial["letter_number"] == "1"
    response = client.post(
        url("member_transfer", member.pk),
        {
            "kind": TransferKind.OFFICIAL,
            "to": tree.district_cell.code.lower(),
            "letter_number": "7-GGT/ĐU",
            "letter_date": dmy(days_ago(1)),
        },
    )
    transfer = Transfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == transfer.get_absolute_url()
    assert transfer.to_organization == tree.district_cell
    page = client.get(url("member_detail", member.pk)).content.decode()
    assert 'data-testid="in-transfer"' in page
    assert 'data-testid="pending-transfer"' in page
    listed = client.get(url("member_list")).content.decode()
    assert 'data-testid="in-transfer"' in listed
    # a second transfer is not offered while this one waits
    blocked = client.get(url("member_transfer", member.pk))
    assert "blocked" in blocked.context


def test_the_form_shows_the_services_errors_next_to_the_fields(
    client, city_staff, member, tree
):
    client.force_login(city_staff)
    response = client.post(
        url("member_transfer", member.pk),
        {
            "kind": TransferKind.TEMPORARY,
            "to": "NO-SUCH-CODE",
            "letter_number": "abc",
            "letter_date": dmy(today()),
        },
    )
    assert response.status_code == 200
    assert "to" in response.context["form"].errors
    response = client.post(
        url("member_transfer", member.pk),
        {
            "kind": TransferKind.TEMPORARY,
            "to": tree.district_cell.code,
            "letter_number": "abc",
            "letter_date": dmy(today()),
        },
    )
    errors = response.context["form"].errors
    assert {"letter_number", "effective_on", "ends_on"} <= set(errors)
    assert not Transfer.objects.exists()


def test_outside_the_scope_the_member_pages_answer_404(client, outsider, member):
    client.force_login(outsider)
    for name in ("member_transfer", "member_move"):
        assert client.get(url(name, member.pk)).status_code == 404
        assert client.post(url(name, member.pk)).status_code == 404


# ---------------------------------------------------------------- move


def test_moving_shows_the_positions_that_end_then_moves(
    client, city_staff, member, tree
):
    school = org(tree.city, K.GRASSROOTS_CELL, "Chi bộ Trường THCS", "TP-BG-THCS")
    position = seat(member, tree.city_grassroots)
    client.force_login(city_staff)
    data = {
        "to": school.pk,
        "effective_on": dmy(days_ago(1)),
        "reason": "Chuyển công tác",
    }
    preview = client.post(url("member_move", member.pk), data)
    assert preview.status_code == 200
    assert [p.pk for p in preview.context["plan"].positions] == [position.pk]
    assert 'data-testid="positions-ending"' in preview.content.decode()
    member.refresh_from_db()
    assert member.organization == tree.city_cell  # nothing yet
    response = client.post(
        url("member_move", member.pk),
        {**data, "confirm": "1", "digest": preview.context["digest"]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == school
    position.refresh_from_db()
    assert position.ended_on == days_ago(1)


def test_a_stale_confirmation_shows_the_preview_again(client, city_staff, member, tree):
    client.force_login(city_staff)
    data = {"to": tree.city_cell_2.pk, "effective_on": dmy(today()), "reason": "x"}
    response = client.post(
        url("member_move", member.pk), {**data, "confirm": "1", "digest": "old"}
    )
    assert response.status_code == 200
    assert "plan" in response.context
    member.refresh_from_db()
    assert member.organization == tree.city_cell


def test_the_move_form_offers_only_cells_of_the_scope(client, city_staff, member, tree):
    client.force_login(city_staff)
    choices = client.get(url("member_move", member.pk)).context["form"].fields["to"]
    offered = set(choices.queryset)
    assert tree.city_cell_2 in offered
    assert tree.district_cell not in offered
    assert tree.city_cell not in offered  # where the member already is
    response = client.post(
        url("member_move", member.pk),
        {"to": tree.district_cell.pk, "effective_on": dmy(today()), "reason": "x"},
    )
    assert "to" in response.context["form"].errors


# ---------------------------------------------------------------- the list


def test_the_tabs_split_incoming_outgoing_and_overdue(client, tree, city_staff):
    sent = placed_member(tree.city_cell, full_name="Hoàng Văn Gửi")
    outgoing = issue(sent, tree.district_cell, number="1")
    district_member = placed_member(tree.district_cell, full_name="Vũ Thị Nhận")
    incoming = issue(
        district_member, tree.city_cell, number="2", letter_date=days_ago(40)
    )
    client.force_login(city_staff)

    def listed(**params):
        response = client.get(url("transfer_list"), params)
        assert response.status_code == 200
        return [t.pk for t in response.context["page_obj"]]

    assert listed() == [incoming.pk]
    assert listed(tab="outgoing") == [outgoing.pk]
    assert listed(tab="overdue") == [incoming.pk]
    assert listed(tab="outgoing", q="2") == []  # a letter number of the other
    assert listed(tab="outgoing", q="1") == [outgoing.pk]
    assert listed(tab="outgoing", q="hoang van") == [outgoing.pk]
    assert listed(tab="incoming", q=district_member.card_number) == [incoming.pk]
    assert listed(tab="incoming", status=TransferStatus.ACCEPTED) == []
    assert listed(tab="incoming", kind=TransferKind.TEMPORARY) == []
    counts = client.get(url("transfer_list")).context["counts"]
    assert counts == {"incoming": 1, "outgoing": 1, "overdue": 1}


def test_an_empty_list_says_so(client, city_staff):
    client.force_login(city_staff)
    page = client.get(url("transfer_list"), {"tab": "overdue"}).content.decode()
    assert 'data-testid="transfer-empty"' in page


def _many_transfers(tree, count: int) -> None:
    cells = [tree.city_cell, tree.city_cell_2]
    start = Transfer.objects.count()
    for i in range(start, start + count):
        member = placed_member(cells[i % 2], full_name=f"Nguyễn Văn Số {i}")
        issue(
            member,
            tree.district_cell,
            number=str(100 + i),
            letter_date=days_ago(20 * (i % 3)),  # some overdue
        )


@override_settings(PAGE_SIZE=5)
def test_the_list_costs_the_same_queries_at_two_sizes(client, tree, city_staff):
    client.force_login(city_staff)
    paths = [
        url("transfer_list") + "?tab=outgoing",
        url("transfer_list") + "?tab=overdue",
        url("transfer_list") + "?tab=outgoing&q=nguyen&page=2",
    ]
    _many_transfers(tree, 3)
    small = [count_queries(client, path)[0] for path in paths]
    _many_transfers(tree, 14)
    large = [count_queries(client, path)[0] for path in paths]
    assert small == large
    page = client.get(paths[0])
    assert page.context["page_obj"].paginator.num_pages == 4


def test_the_transfer_page_shows_its_history(client, tree, city_staff, outsider):
    from committees import transfers

    transfer = issue(placed_member(tree.city_cell), tree.district_cell)
    transfers.return_transfer(acting_user=outsider, transfer=transfer, reason="Sai")
    client.force_login(city_staff)
    response = client.get(url("transfer_detail", transfer.pk))
    history = response.context["history"]
    assert len(history) == 2
    assert history[0]["who"] == outsider
    assert client.post(url("transfer_detail", transfer.pk)).status_code == 405


def test_the_member_page_shows_a_temporary_attendance(
    client, city_staff, outsider, member, tree
):
    from committees import transfers

    transfer = issue(
        member,
        tree.district_cell,
        kind=TransferKind.TEMPORARY,
        letter_date=days_ago(10),
        effective_on=days_ago(5),
        ends_on=today() + timedelta(days=60),
    )
    transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    client.force_login(city_staff)
    page = client.get(url("member_detail", member.pk)).content.decode()
    assert 'data-testid="temporary-attendance"' in page
    assert tree.district_cell.name in page
    assert 'data-testid="in-transfer"' not in page
