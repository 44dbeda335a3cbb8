def test_login_page_renders(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_dashboard_for_city_staff(client, city_staff, city_member):
    client.force_login(city_staff)
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["stats"]["active_total"] == 1
