"""The benchmark suite at the tiny scale: every case runs once and gives its
row, so that the suite cannot rot (timings are not checked here; the full
scales run with ``make bench``)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from bench import generate, run
from committees import tallies
from committees.models import Member, Organization

pytestmark = pytest.mark.slow


@pytest.fixture
def tiny(transactional_db):
    summary = generate.generate("tiny", seed=7)
    assert summary.rows["committees_member"] == 2 * generate.SHAPES["tiny"].members
    return summary


def test_the_tiny_scale_is_a_valid_tree_with_correct_tallies(tiny):
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert Organization.objects.filter(depth=1).count() == 2
    assert not Member.objects.filter(search_key="").exists()
    assert tallies.differences() == []


def test_the_generator_refuses_a_database_that_is_not_empty(tiny):
    with pytest.raises(CommandError, match="not empty"):
        call_command("generate_scale", scale="tiny", no_migrate=True)


@override_settings(ROOT_URLCONF="tests.bench.urls")
def test_every_case_of_the_suite_runs_once_and_gives_its_row(tiny, live_server):
    rows = run.run_suite(
        "tiny",
        repeat=1,
        warmup=0,
        import_count=20,
        throughput=live_server.url,
        throughput_seconds=0.5,
        say=lambda text: None,
    )
    pages = [r for r in rows if r.section == "pages"]
    cases = {case for case, _url in run.page_cases(run.find_context("tiny"), None)}
    assert {(r.case, r.user) for r in pages} == {
        (case, user) for case in cases for user in ("province", "nation")
    }
    for row in pages:
        assert row.values["status"] == 200
        assert 0 < row.values["queries"] <= run.MAX_QUERIES, row.case
    jobs = {r.case: r for r in rows if r.section == "jobs"}
    assert any(case.startswith("reminder sweep") for case in jobs)
    assert jobs["import of 20 rows (.xlsx)"].values["rows"] == 20
    assert jobs["export of a province's members (.xlsx)"].values["rows"] > 0
    assert any(case.startswith("merge of two provinces") for case in jobs)
    assert all(r.values["seconds"] >= 0 for r in jobs.values())
    load = [r for r in rows if r.section == "throughput"]
    assert len(load) == 3 and all(r.values["requests"] > 0 for r in load)
    # The writing jobs were rolled back: the dataset is as generated.
    assert Member.objects.count() == tiny.rows["committees_member"]
    assert tallies.differences() == []
    text = run.render("tiny", rows, 1.0)
    assert "| dashboard | province |" in text and "requests/s" in text
