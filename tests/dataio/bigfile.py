"""A generated customer file with a known share of bad rows, for the crash test and the manual 100k run."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = ["客户名称", "手机", "邮箱", "省", "市", "备注"]


def bad_row(index: int) -> bool:
    return index % 100 == 37  # 1 % of the rows


def write(path: Path, rows: int) -> tuple[int, int]:
    """Write ``rows`` data rows; returns (good, bad). Good names and phones are unique."""
    bad = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for index in range(rows):
            phone = f"139{index:08d}"
            row = [f"导入测试公司{index:06d}", phone, f"c{index}@example.com", "浙江省", "杭州市", "=1+1"]
            if bad_row(index):
                bad += 1
                row[1] = "电话未知"  # not a phone
            writer.writerow(row)
    return rows - bad, bad
