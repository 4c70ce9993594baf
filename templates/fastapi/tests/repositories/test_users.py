from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI

from app.models import User, UTCDateTime
from app.repositories.users import UserRepository


async def test_list_page_orders_by_creation_and_counts(app: FastAPI) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    async with app.state.db.session() as session:
        repo = UserRepository(session)
        # inserted out of order on purpose
        for i in (2, 0, 1):
            await repo.add(
                User(email=f"u{i}@example.com", name=f"U{i}", created_at=base + timedelta(i))
            )
        await session.commit()
        page = await repo.list_page(offset=1, limit=5)
        assert [u.email for u in page] == ["u1@example.com", "u2@example.com"]
        assert await repo.count() == 3
        assert all(u.created_at.tzinfo is not None for u in page)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 1), None)  # type: ignore[arg-type]
