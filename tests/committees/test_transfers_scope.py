"""Transfers across scopes: the receiving side (staff of the sibling district,
outside the sender's scope) sees and accepts the transfer, and the member's
identity on the transfer page, but nothing else of the sender."""

from __future__ import annotations

import pytest

from committees.models import Member, TransferStatus
from tests.committees.pages import url
from tests.committees.transfer_support import issue, placed_member, today
from tests.factories import user


@pytest.fixture
def member(tree):
    return placed_member(
        tree.city_cell, full_name="Nguyễn Văn Chuyển", card_number="93001234"
    )


@pytest.fixture
def neighbour(tree):
    """Another member of the sending cell."""
    return placed_member(tree.city_cell, full_name="Lê Thị Ở Lại")


@pytest.fixture
def transfer(tree, city_staff, member):
    return issue(member, tree.district_cell, acting_user=city_staff)


def test_the_receiver_sees_the_transfer_and_the_identity_needed(
    client, outsider, transfer, member
):
    client.force_login(outsider)
    response = client.get(url("transfer_detail", transfer.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert member.full_name in page
    assert member.card_number in page
    assert member.birth_date.strftime("%d/%m/%Y") in page
    assert 'data-testid="accept"' in page
    assert 'data-testid="receiver-note"' in page
    assert url("member_detail", member.pk) not in page  # no link to the member page
    incoming = client.get(url("transfer_list")).content.decode()
    assert member.full_name in incoming


def test_the_receiver_gets_404_for_the_member_and_the_senders_others(
    client, outsider, transfer, member, neighbour, tree
):
    client.force_login(outsider)
    for path in (
        url("member_detail", member.pk),
        url("member_detail", neighbour.pk),
        url("member_edit", neighbour.pk),
        url("member_transfer", member.pk),
        url("organization_detail", tree.city_cell.pk),
    ):
        assert client.get(path).status_code == 404, path
    listed = client.get(url("member_list")).content.decode()
    assert neighbour.full_name not in listed
    assert member.full_name not in listed
    assert not Member.objects.visible_to(outsider).filter(pk=neighbour.pk).exists()


def test_the_receiver_accepts_through_the_page(
    client, outsider, transfer, member, tree
):
    client.force_login(outsider)
    page = client.get(url("transfer_accept", transfer.pk))
    assert page.status_code == 200
    response = client.post(
        url("transfer_accept", transfer.pk),
        {
            "effective_on": today().strftime("%d/%m/%Y"),
            "digest": page.context["digest"],
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    member.refresh_from_db()
    assert member.organization == tree.district_cell
    # now the member is in the receiver's scope, like any other
    assert client.get(url("member_detail", member.pk)).status_code == 200


def test_the_receiver_still_gets_404_for_the_others_after_accepting(
    client, outsider, transfer, neighbour, tree
):
    from committees import transfers

    transfers.accept_transfer(acting_user=outsider, transfer=transfer)
    client.force_login(outsider)
    assert client.get(url("member_detail", neighbour.pk)).status_code == 404


def test_after_a_return_the_member_stays_out_of_the_receivers_reach(
    client, outsider, transfer, member
):
    client.force_login(outsider)
    response = client.post(
        url("transfer_return", transfer.pk), {"reason": "Không đúng địa bàn"}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RETURNED
    assert client.get(url("member_detail", member.pk)).status_code == 404
    page = client.get(url("transfer_detail", transfer.pk)).content.decode()
    assert member.card_number not in page  # the identity went with the member
    assert "Không đúng địa bàn" in page


def test_a_return_needs_a_reason_on_the_page(client, outsider, transfer):
    client.force_login(outsider)
    response = client.post(url("transfer_return", transfer.pk), {"reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ISSUED


def test_the_sender_cannot_reach_the_accept_or_return_pages(
    client, city_staff, transfer
):
    client.force_login(city_staff)
    assert client.get(url("transfer_detail", transfer.pk)).status_code == 200
    for name in ("transfer_accept", "transfer_return"):
        assert client.get(url(name, transfer.pk)).status_code == 404
        assert client.post(url(name, transfer.pk)).status_code == 404


def test_the_receiver_cannot_cancel_the_letter(client, outsider, transfer):
    client.force_login(outsider)
    assert client.get(url("transfer_cancel", transfer.pk)).status_code == 404


def test_someone_on_neither_side_gets_404(client, tree, transfer):
    from tests.factories import K, org

    elsewhere = org(tree.province, K.DISTRICT, "Đảng bộ huyện Yên Dũng", "HU-YD")
    stranger = user("stranger", elsewhere)
    client.force_login(stranger)
    for name in (
        "transfer_detail",
        "transfer_accept",
        "transfer_return",
        "transfer_cancel",
    ):
        assert client.get(url(name, transfer.pk)).status_code == 404, name
        assert client.post(url(name, transfer.pk)).status_code == 404, name
    assert client.get(url("transfer_list")).context["page_obj"].paginator.count == 0


def test_a_viewer_of_the_receiving_side_reads_but_cannot_decide(client, tree, transfer):
    viewer = user("districtviewer", tree.district, "Viewer")
    client.force_login(viewer)
    assert client.get(url("transfer_detail", transfer.pk)).status_code == 200
    for name in ("transfer_accept", "transfer_return"):
        assert client.get(url(name, transfer.pk)).status_code == 403
        assert client.post(url(name, transfer.pk)).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ISSUED


def test_destinations_outside_the_scope_are_found_by_code_or_name(
    client, city_staff, city_viewer, tree
):
    client.force_login(city_staff)
    by_name = client.get(url("transfer_destinations"), {"q": "dong tam"})
    assert by_name.status_code == 200
    page = by_name.content.decode()
    assert tree.district_cell.code in page
    assert tree.district_grassroots.name in page  # to tell cells apart
    by_code = client.get(url("transfer_destinations"), {"to": "hu-hh"})
    assert tree.district_cell.code in by_code.content.decode()
    # committees are not destinations
    assert f'value="{tree.district_grassroots.code}"' not in page
    client.force_login(city_viewer)
    assert client.get(url("transfer_destinations"), {"q": "x"}).status_code == 403
