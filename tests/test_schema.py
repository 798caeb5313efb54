"""The light table stubs (core/tables.py) name only tables and columns that the models define,
with the models' types where they give one: the stubs are a view of the one schema, not a
second one."""

from __future__ import annotations

import pytest
from sqlalchemy.types import NullType
from sqlmodel import SQLModel

from redprop.core import (
    models,  # noqa: F401  (fills SQLModel.metadata)
    tables,
)
from redprop.core.tables import STUBS

pytestmark = pytest.mark.nodb  # never opens a ledger: no database on PostgreSQL


def test_every_table_of_the_module_is_checked() -> None:
    found = {v.name for v in vars(tables).values() if isinstance(v, type(tables.dispute))}
    assert found == {stub.name for stub in STUBS}


@pytest.mark.parametrize("stub", STUBS, ids=lambda s: s.name)
def test_a_stub_matches_its_model(stub) -> None:  # type: ignore[no-untyped-def]
    model = SQLModel.metadata.tables.get(stub.name)
    assert model is not None, f"no table {stub.name} in the models"
    for col in stub.columns:
        assert col.name in model.columns, f"{stub.name}.{col.name} is not in the models"
        if not isinstance(col.type, NullType):
            # A typed stub column converts values as the model's column does.
            assert type(col.type) is type(model.columns[col.name].type), f"{stub.name}.{col.name}"
            # and bounds its text as the model's column does (core/fields checks Core writes)
            want = getattr(model.columns[col.name].type, "length", None)
            assert getattr(col.type, "length", None) == want, f"{stub.name}.{col.name}"
