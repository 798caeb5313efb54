"""The errors workbook's round trip, lossless and still masked: the full ID and phone of each row
an import flagged are held in the ledger under a token the workbook prints in its 还原凭据
column (the workbook itself shows them masked). Importing the corrected workbook restores a
masked cell from what is held when it is exactly the masked form of it; the held values used
are purged with that import, and `roster errors purge` drops the rest.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from redprop.core.config import local_now
from redprop.core.ids import (
    id_shape_ok,
    is_masked,
    mask_id,
    mask_phone,
    normalize_id,
    normalize_phone,
)
from redprop.core.models import HeldValue
from redprop.excel.read import cell_text

HEADER = "还原凭据"
_REF = re.compile(r"^([0-9A-F]{8})-(\d{1,7})$")


def full_values(raw: list[Any], cols: dict[str, int]) -> tuple[str | None, str | None]:
    """The ID and phone a flagged row gave in full (None where it gave none, or a masked one)."""

    def cell(name: str) -> str:
        col = cols.get(name)
        value = raw[col] if col is not None and col < len(raw) else None
        return cell_text(value) if value not in (None, "") else ""

    id_text, phone_text = cell("id_number"), cell("phone")
    ident = normalize_id(id_text) if id_text and not is_masked(id_text) else ""
    phone = normalize_phone(phone_text) if phone_text and not is_masked(phone_text) else ""
    return (ident if id_shape_ok(ident) else None), (phone or None)


def hold(session: Session, flagged: Any) -> dict[int, str]:
    """Hold the full values of the flagged rows under one new token; returns each held row's
    reference (TOKEN-ROW) by Excel row, for the workbook's 还原凭据 column."""
    token = secrets.token_hex(4).upper()
    at = local_now().replace(microsecond=0)
    refs: dict[int, str] = {}
    rows = []
    for row in flagged:
        ident, phone = row.held
        if ident or phone:
            rows.append(
                {
                    "token": token,
                    "row": row.row,
                    "id_number": ident,
                    "phone": phone,
                    "created_at": at,
                }
            )
            refs[row.row] = f"{token}-{row.row}"
    if rows:
        session.execute(HeldValue.__table__.insert(), rows)  # type: ignore[attr-defined]
    return refs


class Restorer:
    """Restores masked ID and phone cells of rows that carry a 还原凭据 reference, before the
    rows are checked; remembers which held values it used, to purge them once stored."""

    def __init__(self, session: Session, cols: dict[str, int]) -> None:
        self.session = session
        self.cols = cols
        self.cache: dict[str, dict[int, tuple[str | None, str | None]]] = {}
        self.used: list[tuple[str, int]] = []

    def _held(self, token: str) -> dict[int, tuple[str | None, str | None]]:
        if token not in self.cache:
            query = select(HeldValue.row, HeldValue.id_number, HeldValue.phone).where(
                HeldValue.token == token
            )
            self.cache[token] = {r: (i, p) for r, i, p in self.session.execute(query)}
        return self.cache[token]

    def restore(self, raw: list[Any]) -> None:
        col = self.cols["held"]
        ref = _REF.match(cell_text(raw[col]).strip().upper()) if col < len(raw) else None
        if ref is None:
            return
        token, row = ref.group(1), int(ref.group(2))
        held = self._held(token).get(row)
        if held is None:
            return
        restored = False
        for name, value, mask in (("id_number", held[0], mask_id), ("phone", held[1], mask_phone)):
            at = self.cols.get(name)
            if value and at is not None and at < len(raw):
                given = cell_text(raw[at]) if raw[at] not in (None, "") else ""
                if is_masked(given) and given == mask(value):
                    raw[at], restored = value, True
        if restored:
            self.used.append((token, row))

    def purge_used(self) -> None:
        if self.used:
            key = tuple_(HeldValue.token, HeldValue.row)
            self.session.execute(delete(HeldValue).where(key.in_(self.used)))


def purge(session: Session) -> int:
    """Drop every held value (roster errors purge); returns how many rows' values went."""
    return int(session.execute(delete(HeldValue)).rowcount)  # type: ignore[attr-defined]
