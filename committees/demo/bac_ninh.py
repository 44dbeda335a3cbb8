"""The Bac Ninh side of the demo: Bac Ninh Provincial Party Committee,
January 2025 (a smaller province than Bac Giang: about 1,500 members).

The eight district-level committees are those of January 2025: Bắc Ninh
and Từ Sơn cities, Quế Võ and Thuận Thành towns, Tiên Du, Yên Phong, Gia
Bình and Lương Tài districts; then the Military committee and the bloc of
provincial agencies. Commune and ward names are real names of each unit (a
few per unit); cells, schools and agencies are plausible, as in
``places``. The leaders are generated names in plausible posts: only
Bac Giang's three named leaders come from the reference report.

``manage.py demo_reform`` merges this province with Bac Giang on 1 July
2025 (``reform``).
"""

from __future__ import annotations

import random

from committees.models import Role

from .places import (
    BLOC_CELLS,
    INS,
    District,
    E,
    K,
    Leader,
    Node,
    S,
    Seat,
    _cells,
    district_leaders,
    district_node,
)

PROVINCE_CODE = "TU-BN"
CITY_CODE = "TP-BN"
MILITARY_CODE = "QS-BN"
BLOC_CODE = "KCQ-BN"
R = Role
P = PROVINCE_CODE

DISTRICTS: tuple[District, ...] = (
    District(
        CITY_CODE,
        "thành phố",
        "Bắc Ninh",
        "Thành ủy",
        (
            "phường Vũ Ninh",
            "phường Đáp Cầu",
            "phường Suối Hoa",
            "phường Tiền An",
            "phường Ninh Xá",
            "phường Kinh Bắc",
            "phường Võ Cường",
        ),
        (
            ("HT", "Chi bộ Trường THPT Hàn Thuyên", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế thành phố Bắc Ninh", "health"),
        ),
    ),
    District(
        "TP-TS",
        "thành phố",
        "Từ Sơn",
        "Thành ủy",
        (
            "phường Đông Ngàn",
            "phường Đình Bảng",
            "phường Châu Khê",
            "phường Đồng Kỵ",
            "phường Trang Hạ",
        ),
        (
            ("LTT", "Chi bộ Trường THPT Lý Thái Tổ", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế thành phố Từ Sơn", "health"),
        ),
        note="Thị xã Từ Sơn trở thành thành phố năm 2021.",
    ),
    District(
        "TX-QV",
        "thị xã",
        "Quế Võ",
        "Thị ủy",
        (
            "phường Phố Mới",
            "phường Việt Hùng",
            "phường Phương Liễu",
            "phường Bằng An",
            "xã Ngọc Xá",
            "xã Châu Phong",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Quế Võ số 1", "school"),
            (
                "KCN",
                "Chi bộ Công ty Cổ phần Phát triển Khu công nghiệp Quế Võ",
                "enterprise",
            ),
        ),
        note="Huyện Quế Võ trở thành thị xã năm 2023.",
    ),
    District(
        "TX-TT",
        "thị xã",
        "Thuận Thành",
        "Thị ủy",
        (
            "phường Hồ",
            "phường Gia Đông",
            "phường Song Hồ",
            "phường Xuân Lâm",
            "xã Nguyệt Đức",
            "xã Đình Tổ",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Thuận Thành số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế thị xã Thuận Thành", "health"),
        ),
        note="Huyện Thuận Thành trở thành thị xã năm 2023.",
    ),
    District(
        "HU-TD",
        "huyện",
        "Tiên Du",
        "Huyện ủy",
        (
            "thị trấn Lim",
            "xã Phật Tích",
            "xã Đại Đồng",
            "xã Hoàn Sơn",
            "xã Nội Duệ",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Tiên Du số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Tiên Du", "health"),
        ),
    ),
    District(
        "HU-YP",
        "huyện",
        "Yên Phong",
        "Huyện ủy",
        (
            "thị trấn Chờ",
            "xã Dũng Liệt",
            "xã Văn Môn",
            "xã Đông Phong",
            "xã Yên Trung",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Yên Phong số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Yên Phong", "health"),
        ),
    ),
    District(
        "HU-GB",
        "huyện",
        "Gia Bình",
        "Huyện ủy",
        (
            "thị trấn Gia Bình",
            "xã Nhân Thắng",
            "xã Đông Cứu",
            "xã Quỳnh Phú",
            "xã Song Giang",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Gia Bình số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Gia Bình", "health"),
        ),
    ),
    District(
        "HU-LT",
        "huyện",
        "Lương Tài",
        "Huyện ủy",
        (
            "thị trấn Thứa",
            "xã Lâm Thao",
            "xã Quảng Phú",
            "xã Trung Kênh",
            "xã Phú Hòa",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Lương Tài", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Lương Tài", "health"),
        ),
    ),
)

#: Grassroots cells of the bloc that Bac Ninh has too (code suffix).
BLOC_SUFFIXES = (
    "CQDUK", "BTC", "BTG", "UBKT", "BDV", "BNC", "MTTQ", "TD", "HLHPN", "HND",
    "LDLD", "BAO", "TTR", "SNV", "STC", "SKHDT", "SCT", "SXD", "STP",
)  # fmt: skip


def _bloc(suffix: str) -> str:
    return f"{BLOC_CODE}-{suffix}"


def military() -> Node:
    office = f"{MILITARY_CODE}-CQ"

    def command(code: str, unit: str) -> Node:
        gc = f"{MILITARY_CODE}-{code}"
        return Node(
            K.GRASSROOTS_COMMITTEE,
            f"Đảng bộ Ban Chỉ huy Quân sự {unit}",
            gc,
            _cells(
                gc,
                [
                    f"Chi bộ Chỉ huy Ban CHQS {unit}",
                    f"Chi bộ Cơ quan Ban CHQS {unit}",
                ],
                "military",
                12,
            ),
        )

    return Node(
        K.DIRECT,
        "Đảng bộ Quân sự tỉnh Bắc Ninh",
        MILITARY_CODE,
        [
            Node(
                K.GRASSROOTS_COMMITTEE,
                "Đảng bộ Cơ quan Bộ Chỉ huy Quân sự tỉnh Bắc Ninh",
                office,
                _cells(
                    office,
                    [
                        "Chi bộ Thủ trưởng Bộ Chỉ huy",
                        "Chi bộ Phòng Tham mưu",
                        "Chi bộ Phòng Chính trị",
                    ],
                    "military",
                    14,
                ),
            ),
            command("TS", "thành phố Từ Sơn"),
            command("GB", "huyện Gia Bình"),
            Node(
                K.GRASSROOTS_CELL,
                "Chi bộ Đại đội Trinh sát",
                f"{MILITARY_CODE}-DDTS",
                profile="military",
                members=18,
            ),
        ],
    )


def bloc() -> Node:
    names = dict(BLOC_CELLS)
    cells = [
        Node(
            K.GRASSROOTS_CELL,
            names[suffix].replace("Bắc Giang", "Bắc Ninh"),
            _bloc(suffix),
            profile="women" if suffix == "HLHPN" else "agency",
            members=11,
        )
        for suffix in BLOC_SUFFIXES
    ]

    def committee(suffix: str, name: str, cell_names: list[str]) -> Node:
        code = _bloc(suffix)
        return Node(
            K.GRASSROOTS_COMMITTEE,
            name,
            code,
            _cells(code, cell_names, "agency", 12),
        )

    return Node(
        K.DIRECT,
        "Đảng bộ Khối các cơ quan và doanh nghiệp tỉnh Bắc Ninh",
        BLOC_CODE,
        [
            *cells,
            committee(
                "VPTU",
                "Đảng bộ Văn phòng Tỉnh ủy Bắc Ninh",
                ["Chi bộ Văn phòng Tỉnh ủy", "Chi bộ Phòng Tổng hợp"],
            ),
            committee(
                "VPUB",
                "Đảng bộ Văn phòng UBND tỉnh Bắc Ninh",
                ["Chi bộ Phòng Tổng hợp Văn phòng UBND tỉnh", "Chi bộ Phòng Kinh tế"],
            ),
        ],
    )


def province(rng: random.Random) -> Node:
    return Node(
        K.PROVINCE,
        "Đảng bộ tỉnh Bắc Ninh",
        PROVINCE_CODE,
        [*(district_node(d, rng) for d in DISTRICTS), military(), bloc()],
        note="Tỉnh ủy Bắc Ninh",
    )


def leaders() -> list[Leader]:
    """The province's Standing Committee and its district secretaries, the
    leaders of the Military and bloc committees, and each district's own."""
    vptu, vpub = f"{_bloc('VPTU')}-01", f"{_bloc('VPUB')}-01"
    mil_chief = f"{MILITARY_CODE}-CQ-01"
    found = [
        Leader(vptu, (Seat(P, S, R.SECRETARY, "Bí thư Tỉnh ủy"),)),
        Leader(vptu, (Seat(P, S, R.STANDING_DEPUTY_SECRETARY, "Chủ tịch HĐND tỉnh"),)),
        Leader(vpub, (Seat(P, S, R.DEPUTY_SECRETARY, "Chủ tịch UBND tỉnh"),)),
    ]
    standing = [
        (_bloc("BTC"), "Trưởng Ban Tổ chức Tỉnh ủy", ()),
        (_bloc("BTG"), "Trưởng Ban Tuyên giáo Tỉnh ủy", ()),
        (
            _bloc("UBKT"),
            "Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy",
            (Seat(P, INS, R.INSPECTION_CHAIR, "Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy"),),
        ),
        (vptu, "Chánh Văn phòng Tỉnh ủy", ()),
        (_bloc("BDV"), "Trưởng Ban Dân vận Tỉnh ủy", ()),
        (
            f"{CITY_CODE}-CQ-01",
            "Bí thư Thành ủy Bắc Ninh",
            (Seat(CITY_CODE, S, R.SECRETARY, "Bí thư Thành ủy Bắc Ninh"),),
        ),
        (
            mil_chief,
            "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh",
            (
                Seat(
                    MILITARY_CODE,
                    S,
                    R.DEPUTY_SECRETARY,
                    "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh",
                ),
            ),
        ),
        (_bloc("MTTQ"), "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh", ()),
        (
            _bloc("CQDUK"),
            "Bí thư Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
            (
                Seat(
                    BLOC_CODE,
                    S,
                    R.SECRETARY,
                    "Bí thư Đảng ủy Khối các cơ quan và doanh nghiệp tỉnh",
                ),
            ),
        ),
    ]
    for cell, title, more in standing:
        found.append(Leader(cell, (Seat(P, S, R.STANDING_MEMBER, title), *more)))
    found += [
        Leader(
            f"{MILITARY_CODE}-CQ-03",
            (
                Seat(P, E, R.MEMBER, "Chính ủy Bộ Chỉ huy Quân sự tỉnh"),
                Seat(MILITARY_CODE, S, R.SECRETARY, "Chính ủy Bộ Chỉ huy Quân sự tỉnh"),
            ),
        ),
        Leader(
            f"{MILITARY_CODE}-CQ-02",
            (Seat(MILITARY_CODE, S, R.STANDING_MEMBER, "Phó Chỉ huy trưởng"),),
        ),
        Leader(
            f"{MILITARY_CODE}-CQ-02",
            (Seat(MILITARY_CODE, E, R.MEMBER, "Phó Chính ủy"),),
        ),
        Leader(
            _bloc("CQDUK"),
            (Seat(BLOC_CODE, S, R.DEPUTY_SECRETARY, "Phó Bí thư Đảng ủy Khối"),),
        ),
        Leader(
            _bloc("CQDUK"),
            (
                Seat(BLOC_CODE, S, R.STANDING_MEMBER, "Ủy viên Ban Thường vụ"),
                Seat(BLOC_CODE, INS, R.INSPECTION_CHAIR, "Chủ nhiệm Ủy ban Kiểm tra"),
            ),
        ),
        Leader(
            _bloc("STC"),
            (Seat(BLOC_CODE, E, R.MEMBER, "Giám đốc Sở Tài chính"),),
        ),
    ]
    for district in DISTRICTS:
        if district.code != CITY_CODE:
            title = f"Bí thư {district.committee} {district.name}"
            found.append(
                Leader(
                    f"{district.code}-CQ-01",
                    (
                        Seat(P, E, R.MEMBER, title),
                        Seat(district.code, S, R.SECRETARY, title),
                    ),
                )
            )
        found += district_leaders(district)
    return found
