"""The demo province as a table: Bac Giang, January 2025.

The ten district-level committees are those of January 2025: Yen Dung
district had merged into Bac Giang city and Chu town had been carved out of
Luc Ngan late in 2024. Commune and ward names are real names of each district
(a few of them per district: the demo keeps the province small). Cells,
schools and agencies are plausible, not an inventory.

Organizations are written as nested ``Node`` rows; ``members`` is a size
weight for member-holding nodes (cells and grassroots cells), scaled by the
builder to about 5,000 members in all; ``profile`` says who sits in a cell
(age and gender mix, see ``builder.PROFILES``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from committees.models import Body, OrganizationKind, Role
from committees.text import fold

K = OrganizationKind

PROVINCE_CODE = "TU-BG"
CITY_CODE = "TP-BG"
MILITARY_CODE = "QS-BG"
BLOC_CODE = "KCQ-BG"


@dataclass
class Node:
    kind: str
    name: str
    code: str
    children: list[Node] = field(default_factory=list)
    profile: str = ""
    members: int = 0
    #: share of members with Tày/Nùng/Sán Chay/Dao family names
    ethnic: float = 0.0
    note: str = ""
    established_on: date | None = None


@dataclass(frozen=True)
class Seat:
    """A position in a committee (the organization's code)."""

    organization: str
    body: str
    role: str
    title: str = ""


@dataclass(frozen=True)
class Leader:
    """A member who holds positions; ``cell`` is the code of their cell."""

    cell: str
    seats: tuple[Seat, ...]
    full_name: str = ""
    gender: str = ""


# ---------------------------------------------------------------- districts


@dataclass(frozen=True)
class District:
    code: str
    unit: str  # huyện, thị xã, thành phố
    name: str
    committee: str  # Huyện ủy, Thị ủy, Thành ủy
    communes: tuple[str, ...]  # "xã Đức Thắng"; a trailing "*" marks highlands
    cells: tuple[tuple[str, str, str], ...]  # grassroots cells: code, name, profile
    ethnic: float = 0.0
    note: str = ""
    established_on: date | None = None

    @property
    def full(self) -> str:
        return f"{self.unit} {self.name}"


DISTRICTS: tuple[District, ...] = (
    District(
        CITY_CODE,
        "thành phố",
        "Bắc Giang",
        "Thành ủy",
        (
            "phường Trần Phú",
            "phường Ngô Quyền",
            "phường Lê Lợi",
            "phường Hoàng Văn Thụ",
            "phường Thọ Xương",
            "phường Xương Giang",
            "phường Dĩnh Kế",
            "xã Đồng Sơn",
        ),
        (
            ("NSL", "Chi bộ Trường THPT Ngô Sĩ Liên", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế thành phố Bắc Giang", "health"),
        ),
        note="Huyện Yên Dũng nhập vào thành phố Bắc Giang cuối năm 2024.",
    ),
    District(
        "TX-VY",
        "thị xã",
        "Việt Yên",
        "Thị ủy",
        (
            "phường Bích Động",
            "phường Nếnh",
            "phường Quang Châu",
            "phường Vân Trung",
            "phường Tự Lạn",
            "xã Minh Đức",
            "xã Thượng Lan",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Việt Yên số 1", "school"),
            (
                "CTHT",
                "Chi bộ Công ty Cổ phần Phát triển hạ tầng Vân Trung",
                "enterprise",
            ),
        ),
    ),
    District(
        "TX-CHU",
        "thị xã",
        "Chũ",
        "Thị ủy",
        (
            "phường Chũ",
            "phường Thanh Hải",
            "phường Hồng Giang",
            "phường Phượng Sơn",
            "phường Trù Hựu",
            "xã Kiên Lao*",
        ),
        (
            ("TTYT", "Chi bộ Trung tâm Y tế thị xã Chũ", "health"),
            ("HTX", "Chi bộ Hợp tác xã Nông nghiệp Phượng Sơn", "enterprise"),
        ),
        ethnic=0.12,
        note="Thị xã Chũ thành lập cuối năm 2024 từ một phần huyện Lục Ngạn.",
        established_on=date(2024, 12, 1),
    ),
    District(
        "HU-HH",
        "huyện",
        "Hiệp Hòa",
        "Huyện ủy",
        (
            "thị trấn Thắng",
            "xã Đức Thắng",
            "xã Danh Thắng",
            "xã Đông Lỗ",
            "xã Hoàng An",
            "xã Mai Đình",
            "xã Xuân Cẩm",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Hiệp Hòa số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Hiệp Hòa", "health"),
        ),
    ),
    District(
        "HU-LG",
        "huyện",
        "Lạng Giang",
        "Huyện ủy",
        (
            "thị trấn Vôi",
            "thị trấn Kép",
            "xã Tân Dĩnh",
            "xã Thái Đào",
            "xã Tiên Lục",
            "xã Dương Đức",
            "xã Mỹ Thái",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Lạng Giang số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Lạng Giang", "health"),
        ),
    ),
    District(
        "HU-LN",
        "huyện",
        "Lục Nam",
        "Huyện ủy",
        (
            "thị trấn Đồi Ngô",
            "xã Bảo Đài",
            "xã Cẩm Lý",
            "xã Chu Điện",
            "xã Huyền Sơn*",
            "xã Lục Sơn*",
        ),
        (
            ("THPT", "Chi bộ Trường THPT Lục Nam", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Lục Nam", "health"),
        ),
        ethnic=0.1,
    ),
    District(
        "HU-LNG",
        "huyện",
        "Lục Ngạn",
        "Huyện ủy",
        (
            "xã Biên Sơn",
            "xã Biển Động",
            "xã Phì Điền",
            "xã Giáp Sơn",
            "xã Sơn Hải*",
            "xã Tân Sơn*",
        ),
        (
            ("THPT3", "Chi bộ Trường THPT Lục Ngạn số 3", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Lục Ngạn", "health"),
        ),
        ethnic=0.2,
        note="Một phần huyện chuyển về thị xã Chũ cuối năm 2024.",
    ),
    District(
        "HU-SD",
        "huyện",
        "Sơn Động",
        "Huyện ủy",
        (
            "thị trấn An Châu",
            "thị trấn Tây Yên Tử",
            "xã Cẩm Đàn*",
            "xã Dương Hưu*",
            "xã Lệ Viễn*",
            "xã Vân Sơn*",
        ),
        (
            ("DTNT", "Chi bộ Trường Phổ thông Dân tộc nội trú Sơn Động", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Sơn Động", "health"),
        ),
        ethnic=0.55,
    ),
    District(
        "HU-TY",
        "huyện",
        "Tân Yên",
        "Huyện ủy",
        (
            "thị trấn Cao Thượng",
            "thị trấn Nhã Nam",
            "xã Liên Sơn",
            "xã Ngọc Châu",
            "xã Quế Nham",
            "xã Việt Lập",
        ),
        (
            ("THPT1", "Chi bộ Trường THPT Tân Yên số 1", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Tân Yên", "health"),
        ),
    ),
    District(
        "HU-YT",
        "huyện",
        "Yên Thế",
        "Huyện ủy",
        (
            "thị trấn Cầu Gồ",
            "thị trấn Bố Hạ",
            "xã Đồng Kỳ",
            "xã Đồng Lạc",
            "xã Tam Tiến",
            "xã Tân Sỏi*",
        ),
        (
            ("THPT", "Chi bộ Trường THPT Yên Thế", "school"),
            ("TTYT", "Chi bộ Trung tâm Y tế huyện Yên Thế", "health"),
        ),
        ethnic=0.08,
    ),
)

#: Yen Dung district as it stood until 30 November 2024: the builder builds
#: it, then merges it into Bac Giang city on 1 December 2024 through the
#: restructuring services (its two towns became wards of the city), so that
#: the demo carries that merger in its history.
YEN_DUNG_CODE = "HU-YD"
YEN_DUNG_MERGED_ON = date(2024, 12, 1)
YEN_DUNG = District(
    YEN_DUNG_CODE,
    "huyện",
    "Yên Dũng",
    "Huyện ủy",
    ("thị trấn Nham Biền", "thị trấn Tân An", "xã Tiến Dũng", "xã Lãng Sơn"),
    (
        ("THPT1", "Chi bộ Trường THPT Yên Dũng số 1", "school"),
        ("TTYT", "Chi bộ Trung tâm Y tế huyện Yên Dũng", "health"),
    ),
)
#: Its towns that became wards of the city, renamed on the same day.
YEN_DUNG_WARDS = {
    "Đảng bộ thị trấn Nham Biền": "Đảng bộ phường Nham Biền",
    "Đảng bộ thị trấn Tân An": "Đảng bộ phường Tân An",
}


def yen_dung_leaders() -> list[Leader]:
    """Yen Dung's committee until the merger (its seats end on that day)."""
    title = "Bí thư Huyện ủy Yên Dũng"
    return [
        Leader(
            f"{YEN_DUNG_CODE}-CQ-01",
            (Seat(YEN_DUNG_CODE, Body.STANDING, Role.SECRETARY, title),),
        ),
        *district_leaders(YEN_DUNG),
    ]


#: Villages (thôn) of the lowland and of the highland communes.
VILLAGES: tuple[str, ...] = (
    "Đồng Tâm", "Tiền Phong", "Quyết Tiến", "Tân Lập", "Hòa Bình", "Thống Nhất",
    "Đoàn Kết", "Hợp Tiến", "Trung Tâm", "Đông Thịnh", "Tân Thành", "Phú Lợi",
    "Yên Ninh", "Đồng Quan", "Trại Mới", "Làng Chùa", "Xuân Biều", "Lai Hạ",
    "Đình Cả", "Ngọc Thành", "Hạ Long", "Phúc Linh", "Đông Tiến", "Nam Tiến",
    "Kim Tràng", "Gò Pháo", "Chằm", "Hậu", "Cầu Đen", "Văn Giàng",
)  # fmt: skip
HIGHLAND_VILLAGES: tuple[str, ...] = (
    "Nà Ó", "Nà Hem", "Khe Ang", "Đồng Thông", "Khe Rỗ", "Nà Phai", "Bản Ven",
    "Đồng Bản", "Nà Lang", "Khe Nghè", "Bản Chuông", "Nà Tèn", "Khe Đặng",
)  # fmt: skip


#: Cells of a commune's institutions beside its villages: name, profile.
INSTITUTIONS: tuple[tuple[str, str], ...] = (
    ("Chi bộ Trường THCS {name}", "school"),
    ("Chi bộ Trường Tiểu học {name}", "school"),
    ("Chi bộ Trường Mầm non {name}", "school"),
    ("Chi bộ Công an {commune}", "agency"),
    ("Chi bộ Quân sự {commune}", "military"),
)


def split_commune(entry: str) -> tuple[str, str, bool]:
    """Split "thị trấn Thắng*" into ("thị trấn", "Thắng", True): kind, name,
    highland."""
    highland = entry.endswith("*")
    entry = entry.rstrip("*")
    for word in ("thị trấn", "phường", "xã"):
        if entry.startswith(f"{word} "):
            return word, entry[len(word) + 1 :], highland
    raise ValueError(f"Unknown kind of commune: {entry}")


def commune_code(name: str) -> str:
    """The commune's part of a code: "Đức Thắng" gives DT, "Vôi" gives VOI."""
    words = fold(name).upper().split()
    return words[0] if len(words) == 1 else "".join(w[0] for w in words)


def commune_node(district: District, entry: str, code: str, rng: random.Random) -> Node:
    """A commune's party committee with two or three residential cells and
    sometimes the cell of a school, the commune police or militia."""
    word, name, highland = split_commune(entry)
    commune = f"{word} {name}"
    ethnic = min(0.85, district.ethnic + 0.3) if highland else district.ethnic * 0.6
    count = 2 + (rng.random() < 0.4)
    if word == "phường":
        labels = [
            f"Chi bộ tổ dân phố số {n}" for n in sorted(rng.sample(range(1, 19), count))
        ]
        size = 20
    else:
        pool = HIGHLAND_VILLAGES if highland else VILLAGES
        prefix = "Chi bộ tổ dân phố" if word == "thị trấn" else "Chi bộ thôn"
        labels = [f"{prefix} {village}" for village in rng.sample(pool, count)]
        size = 22
    cells = [
        Node(K.CELL, label, "", profile="residential", members=size, ethnic=ethnic)
        for label in labels
    ]
    if rng.random() < 0.25:
        label, profile = rng.choice(INSTITUTIONS)
        cells.append(
            Node(
                K.CELL,
                label.format(name=name, commune=commune),
                "",
                profile=profile,
                members=10,
                ethnic=ethnic,
            )
        )
    for i, cell in enumerate(cells, start=1):
        cell.code = f"{code}-{i:02d}"
    return Node(K.GRASSROOTS_COMMITTEE, f"Đảng bộ {commune}", code, cells)


def district_node(district: District, rng: random.Random) -> Node:
    code, unit = district.code, district.full
    children: list[Node] = []
    used: set[str] = set()
    for entry in district.communes:
        part = commune_code(split_commune(entry)[1])
        suffix, n = part, 1
        while suffix in used:
            n += 1
            suffix = f"{part}{n}"
        used.add(suffix)
        children.append(commune_node(district, entry, f"{code}-{suffix}", rng))
    agencies = f"{code}-CQ"
    children.append(
        Node(
            K.GRASSROOTS_COMMITTEE,
            f"Đảng bộ Các cơ quan Đảng - Đoàn thể {unit}",
            agencies,
            _cells(
                agencies,
                [
                    f"Chi bộ Văn phòng {district.committee} {district.name}",
                    f"Chi bộ Ủy ban MTTQ và các đoàn thể {unit}",
                ],
                "agency",
                14,
            ),
        )
    )
    children.append(
        Node(
            K.GRASSROOTS_CELL,
            f"Chi bộ Văn phòng HĐND và UBND {unit}",
            f"{code}-VP",
            profile="agency",
            members=14,
        )
    )
    sizes = {"school": 24, "health": 22, "enterprise": 18}
    for suffix, name, profile in district.cells:
        children.append(
            Node(
                K.GRASSROOTS_CELL,
                name,
                f"{code}-{suffix}",
                profile=profile,
                members=sizes[profile],
                ethnic=district.ethnic * 0.5,
            )
        )
    return Node(
        K.DISTRICT,
        f"Đảng bộ {unit}",
        code,
        children,
        note=district.note,
        established_on=district.established_on,
    )


def province(rng: random.Random) -> Node:
    """The whole tree; the random generator picks villages and cell counts."""
    return Node(
        K.PROVINCE,
        "Đảng bộ tỉnh Bắc Giang",
        PROVINCE_CODE,
        [
            *(district_node(d, rng) for d in DISTRICTS),
            district_node(YEN_DUNG, rng),
            military(),
            bloc(),
        ],
        note="Tỉnh ủy Bắc Giang",
    )


# ---------------------------------------------------------------- directly under


def _cells(parent: str, names: list[str], profile: str, size: int) -> list[Node]:
    return [
        Node(K.CELL, name, f"{parent}-{i:02d}", profile=profile, members=size)
        for i, name in enumerate(names, start=1)
    ]


def military() -> Node:
    def command(code: str, district: str) -> Node:
        gc = f"{MILITARY_CODE}-{code}"
        return Node(
            K.GRASSROOTS_COMMITTEE,
            f"Đảng bộ Ban Chỉ huy Quân sự huyện {district}",
            gc,
            _cells(
                gc,
                [
                    f"Chi bộ Chỉ huy Ban CHQS huyện {district}",
                    f"Chi bộ Cơ quan Ban CHQS huyện {district}",
                ],
                "military",
                12,
            ),
        )

    office = f"{MILITARY_CODE}-CQ"
    staff = f"{office}-TM"
    return Node(
        K.DIRECT,
        "Đảng bộ Quân sự tỉnh Bắc Giang",
        MILITARY_CODE,
        [
            Node(
                K.GRASSROOTS_COMMITTEE,
                "Đảng bộ Cơ quan Bộ Chỉ huy Quân sự tỉnh",
                office,
                [
                    Node(
                        K.CELL,
                        "Chi bộ Thủ trưởng Bộ Chỉ huy",
                        f"{office}-01",
                        profile="military",
                        members=8,
                    ),
                    Node(
                        K.PARTIAL_COMMITTEE,
                        "Đảng bộ bộ phận Phòng Tham mưu",
                        staff,
                        _cells(
                            staff,
                            ["Chi bộ Ban Tác chiến", "Chi bộ Ban Quân lực"],
                            "military",
                            14,
                        ),
                    ),
                    Node(
                        K.CELL,
                        "Chi bộ Phòng Chính trị",
                        f"{office}-02",
                        profile="military",
                        members=16,
                    ),
                    Node(
                        K.CELL,
                        "Chi bộ Phòng Hậu cần - Kỹ thuật",
                        f"{office}-03",
                        profile="military",
                        members=16,
                    ),
                ],
            ),
            command("LNG", "Lục Ngạn"),
            command("HH", "Hiệp Hòa"),
            command("SD", "Sơn Động"),
            Node(
                K.GRASSROOTS_CELL,
                "Chi bộ Tiểu đoàn Huấn luyện - Cơ động",
                f"{MILITARY_CODE}-TDHL",
                profile="military",
                members=24,
            ),
        ],
    )


#: Grassroots cells of the bloc: code suffix, name.
BLOC_CELLS: tuple[tuple[str, str], ...] = (
    ("CQDUK", "Chi bộ Cơ quan Đảng ủy Khối các cơ quan tỉnh"),
    ("BTC", "Chi bộ Ban Tổ chức Tỉnh ủy"),
    ("BTG", "Chi bộ Ban Tuyên giáo Tỉnh ủy"),
    ("UBKT", "Chi bộ Ủy ban Kiểm tra Tỉnh ủy"),
    ("BDV", "Chi bộ Ban Dân vận Tỉnh ủy"),
    ("BNC", "Chi bộ Ban Nội chính Tỉnh ủy"),
    ("MTTQ", "Chi bộ Cơ quan Ủy ban MTTQ Việt Nam tỉnh"),
    ("TD", "Chi bộ Cơ quan Tỉnh đoàn"),
    ("HLHPN", "Chi bộ Hội Liên hiệp Phụ nữ tỉnh"),
    ("HND", "Chi bộ Hội Nông dân tỉnh"),
    ("LDLD", "Chi bộ Liên đoàn Lao động tỉnh"),
    ("VPDB", "Chi bộ Văn phòng Đoàn ĐBQH và HĐND tỉnh"),
    ("BAO", "Chi bộ Báo Bắc Giang"),
    ("TTR", "Chi bộ Thanh tra tỉnh"),
    ("SNV", "Chi bộ Sở Nội vụ"),
    ("STC", "Chi bộ Sở Tài chính"),
    ("SKHDT", "Chi bộ Sở Kế hoạch và Đầu tư"),
    ("SCT", "Chi bộ Sở Công Thương"),
    ("SXD", "Chi bộ Sở Xây dựng"),
    ("STNMT", "Chi bộ Sở Tài nguyên và Môi trường"),
    ("SGTVT", "Chi bộ Sở Giao thông vận tải"),
    ("SVHTTDL", "Chi bộ Sở Văn hóa, Thể thao và Du lịch"),
    ("SLDTBXH", "Chi bộ Sở Lao động - Thương binh và Xã hội"),
    ("STTTT", "Chi bộ Sở Thông tin và Truyền thông"),
    ("STP", "Chi bộ Sở Tư pháp"),
    ("SKHCN", "Chi bộ Sở Khoa học và Công nghệ"),
)


def bloc() -> Node:
    def committee(suffix: str, name: str, cells: list[str], profile: str) -> Node:
        code = f"{BLOC_CODE}-{suffix}"
        return Node(
            K.GRASSROOTS_COMMITTEE, name, code, _cells(code, cells, profile, 14)
        )

    hospital = f"{BLOC_CODE}-BVDK"
    return Node(
        K.DIRECT,
        "Đảng bộ Khối các cơ quan tỉnh Bắc Giang",
        BLOC_CODE,
        [
            *(
                Node(
                    K.GRASSROOTS_CELL,
                    name,
                    f"{BLOC_CODE}-{suffix}",
                    profile="women" if suffix == "HLHPN" else "agency",
                    members=13,
                )
                for suffix, name in BLOC_CELLS
            ),
            committee(
                "VPTU",
                "Đảng bộ Văn phòng Tỉnh ủy",
                [
                    "Chi bộ Văn phòng Tỉnh ủy",
                    "Chi bộ Phòng Tổng hợp",
                    "Chi bộ Phòng Quản trị - Tài vụ",
                ],
                "agency",
            ),
            committee(
                "VPUB",
                "Đảng bộ Văn phòng UBND tỉnh",
                [
                    "Chi bộ Phòng Tổng hợp Văn phòng UBND tỉnh",
                    "Chi bộ Phòng Kinh tế ngành",
                    "Chi bộ Trung tâm Phục vụ hành chính công",
                ],
                "agency",
            ),
            committee(
                "SGDDT",
                "Đảng bộ Sở Giáo dục và Đào tạo",
                [
                    "Chi bộ Văn phòng Sở Giáo dục và Đào tạo",
                    "Chi bộ Phòng Giáo dục Trung học",
                    "Chi bộ Trường THPT Chuyên Bắc Giang",
                ],
                "school",
            ),
            committee(
                "SYT",
                "Đảng bộ Sở Y tế",
                [
                    "Chi bộ Văn phòng Sở Y tế",
                    "Chi bộ Phòng Nghiệp vụ Y - Dược",
                    "Chi bộ Trung tâm Kiểm soát bệnh tật tỉnh",
                ],
                "health",
            ),
            committee(
                "SNN",
                "Đảng bộ Sở Nông nghiệp và Phát triển nông thôn",
                [
                    "Chi bộ Văn phòng Sở Nông nghiệp và Phát triển nông thôn",
                    "Chi bộ Chi cục Kiểm lâm",
                    "Chi bộ Chi cục Thủy lợi",
                ],
                "agency",
            ),
            Node(
                K.GRASSROOTS_COMMITTEE,
                "Đảng bộ Bệnh viện Đa khoa tỉnh",
                hospital,
                [
                    Node(
                        K.CELL,
                        "Chi bộ Phòng Kế hoạch tổng hợp",
                        f"{hospital}-01",
                        profile="health",
                        members=12,
                    ),
                    Node(
                        K.PARTIAL_COMMITTEE,
                        "Đảng bộ bộ phận Khối Nội",
                        f"{hospital}-NOI",
                        _cells(
                            f"{hospital}-NOI",
                            ["Chi bộ Khoa Nội tổng hợp", "Chi bộ Khoa Tim mạch"],
                            "health",
                            18,
                        ),
                    ),
                    Node(
                        K.PARTIAL_COMMITTEE,
                        "Đảng bộ bộ phận Khối Ngoại",
                        f"{hospital}-NGOAI",
                        _cells(
                            f"{hospital}-NGOAI",
                            [
                                "Chi bộ Khoa Ngoại tổng hợp",
                                "Chi bộ Khoa Gây mê hồi sức",
                            ],
                            "health",
                            18,
                        ),
                    ),
                ],
            ),
        ],
    )


# ---------------------------------------------------------------- positions

E, S, INS = Body.EXECUTIVE, Body.STANDING, Body.INSPECTION
R = Role
P = PROVINCE_CODE


def _bloc(suffix: str) -> str:
    return f"{BLOC_CODE}-{suffix}"


def province_leaders() -> list[Leader]:
    """The 2020–2025 Executive Committee of the province (51 seats, 15 of
    them in the Standing Committee), the leaders of the Military and bloc
    committees and the provincial Inspection Committee.

    The three named leaders are those of January 2025 (DOMAIN.md); the
    others are generated names in plausible posts. The Executive Committee
    is recorded as the seats of its members: a Standing Committee seat
    implies the Executive Committee, so the 15 hold a ``standing`` seat and
    the other 36 a ``member`` seat of the ``executive`` body.
    """
    vptu = f"{_bloc('VPTU')}-01"
    vpub = f"{_bloc('VPUB')}-01"
    city_office = f"{CITY_CODE}-CQ-01"
    mil_chief = f"{MILITARY_CODE}-CQ-01"
    leaders = [
        Leader(
            vptu,
            (Seat(P, S, R.SECRETARY, "Bí thư Tỉnh ủy"),),
            "Nguyễn Văn Gấu",
            "male",
        ),
        Leader(
            vptu,
            (Seat(P, S, R.STANDING_DEPUTY_SECRETARY, "Chủ tịch HĐND tỉnh"),),
            "Nguyễn Thị Hương",
            "female",
        ),
        Leader(
            vptu,
            (Seat(P, S, R.DEPUTY_SECRETARY, "Chủ tịch UBND tỉnh"),),
            "Nguyễn Việt Oanh",
            "male",
        ),
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
        (_bloc("BNC"), "Trưởng Ban Nội chính Tỉnh ủy", ()),
        (
            city_office,
            "Bí thư Thành ủy Bắc Giang",
            (Seat(CITY_CODE, S, R.SECRETARY, "Bí thư Thành ủy Bắc Giang"),),
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
        (vpub, "Phó Chủ tịch Thường trực UBND tỉnh", ()),
        (_bloc("MTTQ"), "Chủ tịch Ủy ban MTTQ Việt Nam tỉnh", ()),
        (
            _bloc("CQDUK"),
            "Bí thư Đảng ủy Khối các cơ quan tỉnh",
            (Seat(BLOC_CODE, S, R.SECRETARY, "Bí thư Đảng ủy Khối các cơ quan tỉnh"),),
        ),
        (_bloc("VPDB"), "Phó Chủ tịch Thường trực HĐND tỉnh", ()),
    ]
    for cell, title, more in standing:
        leaders.append(Leader(cell, (Seat(P, S, R.STANDING_MEMBER, title), *more)))
    executive = [
        (
            mil_chief,
            "Chính ủy Bộ Chỉ huy Quân sự tỉnh",
            # The provincial Secretary chairs the Military Party Committee
            # in reality; a seat needs a member of the committee's own
            # subtree, so the demo gives that seat to the political commissar.
            (Seat(MILITARY_CODE, S, R.SECRETARY, "Chính ủy Bộ Chỉ huy Quân sự tỉnh"),),
        ),
        (vpub, "Phó Chủ tịch UBND tỉnh", ()),
        (f"{_bloc('VPUB')}-02", "Phó Chủ tịch UBND tỉnh", ()),
        (_bloc("BTC"), "Phó Trưởng Ban Tổ chức Tỉnh ủy", ()),
        (_bloc("BTG"), "Phó Trưởng Ban Tuyên giáo Tỉnh ủy", ()),
        (
            _bloc("UBKT"),
            "Phó Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy",
            (
                Seat(
                    P, INS, R.INSPECTION_DEPUTY, "Phó Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy"
                ),
            ),
        ),
        (_bloc("TD"), "Bí thư Tỉnh đoàn", ()),
        (_bloc("HLHPN"), "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh", ()),  # a woman
        (_bloc("LDLD"), "Chủ tịch Liên đoàn Lao động tỉnh", ()),
        (_bloc("HND"), "Chủ tịch Hội Nông dân tỉnh", ()),
        (_bloc("BAO"), "Tổng Biên tập Báo Bắc Giang", ()),
        (_bloc("TTR"), "Chánh Thanh tra tỉnh", ()),
        (_bloc("SNV"), "Giám đốc Sở Nội vụ", ()),
        (_bloc("STC"), "Giám đốc Sở Tài chính", ()),
        (_bloc("SKHDT"), "Giám đốc Sở Kế hoạch và Đầu tư", ()),
        (f"{_bloc('SGDDT')}-01", "Giám đốc Sở Giáo dục và Đào tạo", ()),
        (f"{_bloc('SYT')}-01", "Giám đốc Sở Y tế", ()),
        (f"{_bloc('SNN')}-01", "Giám đốc Sở Nông nghiệp và Phát triển nông thôn", ()),
        (_bloc("SCT"), "Giám đốc Sở Công Thương", ()),
        (_bloc("SXD"), "Giám đốc Sở Xây dựng", ()),
        (_bloc("STNMT"), "Giám đốc Sở Tài nguyên và Môi trường", ()),
        (_bloc("SGTVT"), "Giám đốc Sở Giao thông vận tải", ()),
        (_bloc("SVHTTDL"), "Giám đốc Sở Văn hóa, Thể thao và Du lịch", ()),
        (_bloc("SLDTBXH"), "Giám đốc Sở Lao động - Thương binh và Xã hội", ()),
        (_bloc("STTTT"), "Giám đốc Sở Thông tin và Truyền thông", ()),
        (_bloc("STP"), "Giám đốc Sở Tư pháp", ()),
        (_bloc("SKHCN"), "Giám đốc Sở Khoa học và Công nghệ", ()),
    ]
    for cell, title, more in executive:
        gender = "female" if "Phụ nữ" in title else ""
        leaders.append(
            Leader(cell, (Seat(P, E, R.MEMBER, title), *more), gender=gender)
        )
    # District secretaries other than the city's sit in the Executive
    # Committee of the province and lead their own committee.
    for district in DISTRICTS:
        if district.code == CITY_CODE:
            continue
        title = f"Bí thư {district.committee} {district.name}"
        leaders.append(
            Leader(
                f"{district.code}-CQ-01",
                (
                    Seat(P, E, R.MEMBER, title),
                    Seat(district.code, S, R.SECRETARY, title),
                ),
            )
        )
    # The rest of the Military and bloc committees, and one more deputy of
    # the provincial Inspection Committee outside the Executive Committee.
    leaders += [
        Leader(
            f"{MILITARY_CODE}-CQ-02",
            (
                Seat(
                    MILITARY_CODE,
                    S,
                    R.STANDING_MEMBER,
                    "Phó Chính ủy Bộ Chỉ huy Quân sự tỉnh",
                ),
                Seat(
                    MILITARY_CODE,
                    INS,
                    R.INSPECTION_CHAIR,
                    "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy Quân sự tỉnh",
                ),
            ),
        ),
        Leader(
            f"{MILITARY_CODE}-CQ-TM-01",
            (
                Seat(
                    MILITARY_CODE,
                    S,
                    R.STANDING_MEMBER,
                    "Phó Chỉ huy trưởng - Tham mưu trưởng",
                ),
            ),
        ),
        Leader(
            f"{MILITARY_CODE}-CQ-03",
            (Seat(MILITARY_CODE, E, R.MEMBER, "Phó Chỉ huy trưởng"),),
        ),
        Leader(
            _bloc("CQDUK"),
            (Seat(BLOC_CODE, S, R.DEPUTY_SECRETARY, "Phó Bí thư Đảng ủy Khối"),),
        ),
        Leader(
            _bloc("CQDUK"),
            (
                Seat(
                    BLOC_CODE,
                    S,
                    R.STANDING_MEMBER,
                    "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy Khối",
                ),
                Seat(
                    BLOC_CODE,
                    INS,
                    R.INSPECTION_CHAIR,
                    "Chủ nhiệm Ủy ban Kiểm tra Đảng ủy Khối",
                ),
            ),
        ),
        Leader(
            _bloc("UBKT"),
            (
                Seat(
                    P, INS, R.INSPECTION_DEPUTY, "Phó Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy"
                ),
            ),
        ),
    ]
    return leaders


def district_leaders(district: District) -> list[Leader]:
    """A district committee's leaders besides its Secretary."""
    code, unit = district.code, district.full
    office, government = f"{code}-CQ-01", f"{code}-VP"
    committee = f"{district.committee} {district.name}"
    word, name, _highland = split_commune(district.communes[0])
    first_commune, commune_name = commune_code(name), f"{word} {name}"
    # The first commune's party committee has a first cell (…-01).
    commune_cell = f"{code}-{first_commune}-01"
    return [
        Leader(
            office,
            (Seat(code, S, R.STANDING_DEPUTY_SECRETARY, f"Chủ tịch HĐND {unit}"),),
        ),
        Leader(
            government,
            (Seat(code, S, R.DEPUTY_SECRETARY, f"Chủ tịch UBND {unit}"),),
        ),
        Leader(
            office,
            (Seat(code, S, R.STANDING_MEMBER, f"Trưởng Ban Tổ chức {committee}"),),
        ),
        Leader(
            office,
            (
                Seat(
                    code,
                    S,
                    R.STANDING_MEMBER,
                    f"Chủ nhiệm Ủy ban Kiểm tra {committee}",
                ),
                Seat(
                    code,
                    INS,
                    R.INSPECTION_CHAIR,
                    f"Chủ nhiệm Ủy ban Kiểm tra {committee}",
                ),
            ),
        ),
        Leader(government, (Seat(code, E, R.MEMBER, f"Phó Chủ tịch UBND {unit}"),)),
        Leader(
            commune_cell,
            (Seat(code, E, R.MEMBER, f"Bí thư Đảng ủy {commune_name}"),),
        ),
    ]
