"""fold: the search key that makes search blind to case and diacritics."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from committees.text import fold


def test_it_folds_a_full_vietnamese_name():
    assert fold("Nguyễn Văn Gấu") == "nguyen van gau"


@pytest.mark.parametrize("text", ["Đặng", "đặng", "ĐẶNG"])
def test_it_folds_d_with_stroke_to_d(text):
    assert fold(text) == "dang"


def test_it_collapses_and_trims_whitespace():
    assert fold("  Trần \t Thị\n\nHoa  ") == "tran thi hoa"


def test_every_vietnamese_vowel_folds_to_its_base_letter():
    assert fold("àáảãạăằắẳẵặâầấẩẫậ") == "a" * 17
    assert fold("ÈÉẺẼẸÊỀẾỂỄỆ") == "e" * 11
    assert fold("ìíỉĩị òóỏõọôồốổỗộơờớởỡợ ùúủũụưừứửữự ỳýỷỹỵ") == (
        "iiiii " + "o" * 17 + " " + "u" * 11 + " yyyyy"
    )


def test_composed_and_decomposed_spellings_fold_alike():
    import unicodedata

    name = "Nguyễn Thị Hương"
    assert fold(unicodedata.normalize("NFD", name)) == fold(
        unicodedata.normalize("NFC", name)
    )


def test_an_already_folded_key_is_unchanged():
    assert fold("nguyen van gau") == "nguyen van gau"


@given(st.text())
def test_folding_twice_changes_nothing(text):
    assert fold(fold(text)) == fold(text)
