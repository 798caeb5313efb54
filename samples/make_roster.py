"""Writes roster.xlsx: the household roster (住户花名册) of two communities of the demo street,
as a clerk would keep it in Excel (a banner, a hint row, a signature line) with a few bad rows
that show the import report. Deterministic.

    python samples/make_roster.py
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

import openpyxl

from redprop.core.ids import id_check_char

HERE = Path(__file__).parent
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "敏娟伟芳军静磊丽强艳杰娜涛超明霞平刚桂英华红建国志勇秀兰玉梅海燕春花德福文斌"
HEADER = [
    "社区",
    "网格",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "户主姓名",
    "身份证号",
    "联系电话",
    "人口数",
    "户籍类型",
    "房屋性质",
    "备注",
    "登记日期",
]


def person_id(rng: random.Random) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 60))
    first17 = f"620981{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def main() -> None:
    rng = random.Random(18819)
    with (HERE / "street.csv").open(encoding="utf-8") as fh:
        units = [
            r for r in csv.DictReader(fh) if r["楼栋"] and r["社区"] in ("铁人路社区", "龙源社区")
        ]
    rows = []
    for u in units:
        for unit in range(1, min(int(u["单元数"]), 2) + 1):
            for floor in range(1, 4):
                for door in (1, 2):
                    name = rng.choice(SURNAMES) + "".join(
                        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
                    )
                    phone = (
                        "1" + rng.choice("3589") + "".join(str(rng.randrange(10)) for _ in range(9))
                    )
                    rows.append(
                        [
                            u["社区"],
                            u["网格编号"],
                            u["小区"],
                            u["楼栋"],
                            f"{unit}单元",
                            f"{floor}0{door}",
                            name,
                            person_id(rng),
                            phone,
                            rng.choice((1, 2, 3, 3, 4, 5)),
                            rng.choice(("本地", "本地", "外地")),
                            rng.choice(("自有", "自有", "租住")),
                            "",
                            date(2023, 1, 5) + timedelta(days=rng.randrange(600)),
                        ]
                    )
    # A few rows as clerks really type them: the import report shows each one.
    rows[3][7] = float(rows[3][7][:17])  # an ID that Excel turned into a number: rejected
    rows[10][6] = ""  # no head's name: rejected
    rows[20][7] = rows[20][7][:17] + (
        "0" if rows[20][7][17] != "0" else "1"
    )  # bad check digit: warned
    rows[30][8] = "12345"  # odd phone: warned
    rows[40][3] = "99号楼"  # a building the street does not have: rejected
    rows.insert(51, list(rows[50]))  # an exact duplicate: merged
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["新市区街道住户信息登记表"])
    ws.merge_cells("A1:N1")
    ws.append(["填表说明：身份证号、电话请设为文本格式；房号写 301 这样的数字"])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    ws.append([])
    ws.append(["填表人：吕艳", None, None, "审核人：王敏", None, None, "日期：2024年8月30日"])
    for col, width in zip(
        "ABCDEFGHIJKLMN", (10, 6, 10, 7, 6, 6, 8, 20, 13, 6, 8, 8, 8, 11), strict=True
    ):
        ws.column_dimensions[col].width = width
    wb.save(HERE / "roster.xlsx")
    print(f"{len(rows)} roster rows")


if __name__ == "__main__":
    main()
