"""Every page of the benchmark suite makes the same number of queries on two
data sizes (a generated dataset and one five times larger), for a user
scoped to a province and for the national user: no page's query count grows
with the data."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import generate, run

pytestmark = pytest.mark.slow

SMALL = replace(generate.SHAPES["tiny"], members=200)
LARGE = replace(
    generate.SHAPES["tiny"],
    members=1_000,
    communes=5,
    commune_cells=(3, 5),
    direct_grassroots_committees=(2, 3),
)


def query_counts(shape: generate.Shape) -> dict[tuple[str, str], int]:
    counts = {}
    with transaction.atomic():
        generate.generate("tiny", shape=shape, seed=11)
        ctx = run.find_context("tiny")
        for label, user in (
            ("province", ctx.province_user),
            ("nation", ctx.nation_user),
        ):
            client = Client()
            client.force_login(user)
            for case, url in run.page_cases(ctx, user):
                url = url.removesuffix("?nocache")
                client.get(url)  # the same warm-up as the benchmark
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (case, label)
                counts[(case, label)] = len(queries)
        transaction.set_rollback(True)
    return counts


def test_no_page_of_the_suite_makes_more_queries_with_more_data(db):
    small = query_counts(SMALL)
    large = query_counts(LARGE)
    assert small.keys() == large.keys()
    grown = {key: (small[key], large[key]) for key in small if large[key] > small[key]}
    assert grown == {}
    assert max(large.values()) <= run.MAX_QUERIES
