"""Writes street.csv and staff.csv: a street modelled on Yumen's 新市区街道 (8 communities,
104 grids). Deterministic; run it again after changing the lists below.

    python samples/make_street.py
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
STREET = "新市区街道"
COMMUNITIES = [
    ("铁人路社区", [("天昊小区", "嘉华物业"), ("石油小区", "油城物业")]),
    ("龙源社区", [("龙源小区", "世纪之星物业"), ("龙苑小区", "世纪之星物业")]),
    ("石油河社区", [("河畔小区", "玉泉物业"), ("昌源小区", "恒通物业")]),
    ("玉泉社区", [("玉泉花园", "玉泉物业"), ("建设小区", None)]),
    ("和平社区", [("和平小区", "嘉华物业"), ("幸福里小区", "恒通物业")]),
    ("光明社区", [("光明小区", "光明物业"), ("阳光小区", "光明物业")]),
    ("新华社区", [("新华小区", "世纪之星物业"), ("文化小区", None)]),
    ("昌盛社区", [("昌盛小区", "恒通物业"), ("金盛家园", "嘉华物业")]),
]
SPECIAL = {12: "学校专属网格", 25: "农贸市场专属网格", 38: "企业专属网格"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "敏娟伟芳军静磊丽强艳杰娜涛超明霞平刚桂英华红建国志勇秀兰玉梅海燕春花德福文斌晓红宏亮"


def name(rng: random.Random, used: set[str]) -> str:
    while True:
        n = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        if n not in used:
            used.add(n)
            return n


def phone(rng: random.Random) -> str:
    return "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))


def main() -> None:
    rng = random.Random(20221)
    used: set[str] = set()
    street_rows = []
    staff_rows = [
        ("王敏", "admin", STREET, phone(rng)),
        ("张建国", "street", STREET, phone(rng)),
        ("赵立新", "mediator", STREET, phone(rng)),
    ]
    used.update(r[0] for r in staff_rows)
    n = 0
    for c_index, (community, compounds) in enumerate(COMMUNITIES):
        staff_rows.append((name(rng, used), "community", community, phone(rng)))
        staff_rows.append((name(rng, used), "mediator", community, phone(rng)))
        building_no = 0
        for g in range(13):
            n += 1
            code = f"G{n:03d}"
            special = SPECIAL.get(n)
            compound, company = compounds[g % len(compounds)]
            grid_name = special or f"{community.removesuffix('社区')}第{g + 1}网格"
            kind = "专属网格" if special else "基础网格"
            if special:
                street_rows.append((community, code, grid_name, kind, "", "", "", ""))
            else:
                for _ in range(rng.randint(3, 6)):
                    building_no += 1
                    street_rows.append(
                        (
                            community,
                            code,
                            grid_name,
                            kind,
                            compound,
                            company or "",
                            f"{building_no}号楼",
                            rng.choice((2, 3, 4, 6)),
                        )
                    )
            role = "grid-leader" if g == 0 else "grid-worker"
            staff_rows.append((name(rng, used), role, code, phone(rng)))
            if g % 4 == 1:
                staff_rows.append((name(rng, used), "building-head", code, phone(rng)))
        assert c_index < 8
    with (HERE / "street.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["社区", "网格编号", "网格名称", "网格类型", "小区", "物业公司", "楼栋", "单元数"]
        )
        out.writerows(street_rows)
    with (HERE / "staff.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["姓名", "角色", "单位", "电话"])
        out.writerows(staff_rows)
    print(f"{len(street_rows)} unit rows, {len(staff_rows)} staff")


if __name__ == "__main__":
    main()
