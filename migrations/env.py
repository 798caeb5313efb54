"""Alembic environment: targets SQLModel.metadata and reuses the connection redprop opened.

redprop runs migrations itself (redprop.core.db.upgrade), passing its connection in
`config.attributes["connection"]`; `render_as_batch` lets the same scripts alter SQLite tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from redprop.core import models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _configure_and_run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    # `alembic -x url=... upgrade head` from a shell, for developers writing migrations.
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///redprop-dev.db")
    with create_engine(url).connect() as conn:
        _configure_and_run(conn)
        conn.commit()
