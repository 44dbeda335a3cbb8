"""Vietnamese personal names for the demo members.

Weights follow the usual shape of names in the northern midlands: Nguyễn
far ahead, then Trần, Lê, Phạm, Hoàng…, with Thân and Giáp, common in Bac
Giang. The highland districts (Sơn Động above all) add the family names of
their Tày, Nùng, Sán Chay and Dao people. Older generations nearly always
carry "Văn" or "Thị" as a middle name; younger ones less often.
"""

from __future__ import annotations

import random

from committees.models import Gender

Weighted = tuple[tuple[str, int], ...]

FAMILY_NAMES: Weighted = (
    ("Nguyễn", 320),
    ("Trần", 90),
    ("Lê", 70),
    ("Phạm", 55),
    ("Hoàng", 40),
    ("Vũ", 35),
    ("Thân", 25),
    ("Bùi", 22),
    ("Đỗ", 25),
    ("Ngô", 20),
    ("Dương", 18),
    ("Đặng", 18),
    ("Hà", 15),
    ("Giáp", 12),
    ("Đào", 12),
    ("Lương", 10),
    ("Phan", 10),
    ("Trịnh", 8),
    ("Đinh", 8),
    ("Phùng", 6),
    ("Chu", 6),
    ("Lưu", 6),
    ("Cao", 6),
    ("Tạ", 5),
    ("Mai", 5),
    ("Nông", 4),
    ("Lý", 4),
    ("Hồ", 4),
    ("Tô", 4),
    ("Lã", 3),
    ("Ninh", 3),
    ("Nghiêm", 3),
    ("Lại", 3),
    ("Vương", 3),
    ("Khổng", 2),
    ("Quách", 2),
)

#: Tày, Nùng, Sán Chay and Dao family names of the highland communes.
ETHNIC_FAMILY_NAMES: Weighted = (
    ("Nông", 20),
    ("Hoàng", 18),
    ("Lục", 12),
    ("Triệu", 10),
    ("Lăng", 10),
    ("Đàm", 8),
    ("Chu", 8),
    ("Vi", 8),
    ("Hà", 8),
    ("Lương", 8),
    ("La", 5),
    ("Lành", 5),
    ("Bế", 5),
    ("Hứa", 4),
    ("Ma", 4),
    ("Sầm", 3),
)

MALE_MIDDLE: Weighted = (
    ("Đức", 8),
    ("Hữu", 6),
    ("Minh", 6),
    ("Quang", 5),
    ("Xuân", 4),
    ("Công", 4),
    ("Đình", 4),
    ("Thanh", 4),
    ("Ngọc", 3),
    ("Mạnh", 3),
    ("Tiến", 3),
    ("Trọng", 3),
    ("Duy", 3),
    ("Quốc", 3),
    ("Thế", 3),
    ("Việt", 3),
    ("Anh", 2),
    ("Bá", 2),
    ("Hoàng", 2),
    ("Trung", 2),
    ("Hồng", 2),
    ("Đăng", 2),
    ("Kim", 1),
)

FEMALE_MIDDLE: Weighted = (
    ("Thu", 5),
    ("Ngọc", 5),
    ("Thanh", 5),
    ("Minh", 3),
    ("Hồng", 3),
    ("Phương", 3),
    ("Thùy", 3),
    ("Thúy", 2),
    ("Kim", 2),
    ("Bích", 2),
    ("Khánh", 2),
    ("Hải", 2),
    ("Mai", 2),
    ("Hoài", 2),
    ("Quỳnh", 2),
    ("Diệu", 1),
    ("Lan", 1),
    ("Bảo", 1),
)

MALE_GIVEN: tuple[str, ...] = (
    "Hùng", "Dũng", "Tuấn", "Minh", "Hải", "Nam", "Long", "Sơn", "Thắng",
    "Cường", "Hoàng", "Quang", "Trung", "Đức", "Hưng", "Phong", "Tùng", "Thành",
    "Bình", "Toàn", "Khánh", "Hiếu", "Huy", "Kiên", "Lâm", "Lộc", "Nghĩa",
    "Phúc", "Quân", "Tài", "Thịnh", "Tiến", "Trường", "Việt", "Vinh", "Vượng",
    "Hòa", "Hiệp", "An", "Bảo", "Chiến", "Công", "Định", "Giang", "Hậu", "Khải",
    "Mạnh", "Ninh", "Quyết", "Sang", "Tâm", "Thái", "Thuận", "Tú", "Tuân",
    "Thanh", "Hà", "Đạt", "Duy", "Hoan", "Luân", "Lực", "Nhất", "Phương", "Quý",
    "Sinh", "Thạch", "Thiện", "Thông", "Thức", "Tiệp", "Tĩnh", "Trọng", "Tuyên",
    "Vũ", "Xuân", "Kỳ", "Cảnh", "Chính", "Dương", "Đông", "Khoa", "Linh", "Độ",
    "Triều", "Trí", "Văn", "Khang", "Lợi", "Thủy",
)  # fmt: skip

FEMALE_GIVEN: tuple[str, ...] = (
    "Hương", "Lan", "Mai", "Hoa", "Hà", "Linh", "Ngọc", "Thảo", "Trang", "Hằng",
    "Huyền", "Nga", "Nhung", "Phương", "Thủy", "Thu", "Yến", "Loan", "Dung",
    "Hạnh", "Hiền", "Hồng", "Liên", "Ly", "My", "Oanh", "Quyên", "Tâm", "Thanh",
    "Thúy", "Tuyết", "Vân", "Xuân", "Anh", "Chi", "Giang", "Hải", "Hậu", "Lệ",
    "Lý", "Minh", "Nguyệt", "Nhàn", "Quỳnh", "Thắm", "Thơm", "Vui", "Duyên",
    "Hòa", "Huệ", "Mến", "Ngân", "Nhi", "Phượng", "Sen", "Tình", "Trâm", "Uyên",
    "Vy", "Bích", "Diệp", "Kim", "Lương", "Hoài", "Thoa", "Dịu",
)  # fmt: skip


def pick(rng: random.Random, table: Weighted) -> str:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights)[0]


def full_name(
    rng: random.Random, *, gender: str, birth_year: int, ethnic: bool = False
) -> str:
    """A full name: family name, one or two middle names, given name."""
    family = pick(rng, ETHNIC_FAMILY_NAMES if ethnic else FAMILY_NAMES)
    young = birth_year >= 1985
    if gender == Gender.MALE:
        # Văn: nearly everyone in the highlands and among the elders.
        van_share = 0.7 if ethnic else (0.3 if young else 0.55)
        middle = "Văn" if rng.random() < van_share else pick(rng, MALE_MIDDLE)
        given_pool = MALE_GIVEN
    else:
        thi_share = 0.8 if ethnic else (0.4 if young else 0.7)
        middle = "Thị" if rng.random() < thi_share else pick(rng, FEMALE_MIDDLE)
        if middle == "Thị" and birth_year >= 1975 and rng.random() < 0.12:
            middle = f"Thị {pick(rng, FEMALE_MIDDLE)}"  # Nguyễn Thị Thu Hà
        given_pool = FEMALE_GIVEN
    while True:
        given = rng.choice(given_pool)
        if given not in middle.split() and given != family:
            break
    if middle == family:  # "Hoàng Hoàng …" does not occur
        middle = "Văn" if gender == Gender.MALE else "Thị"
    return f"{family} {middle} {given}"
