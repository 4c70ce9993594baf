"""Data access for users: queries only, no HTTP and no transaction decisions."""

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: uuid.UUID) -> User | None:
        return await self._session.get(User, user_id)

    async def list_page(self, *, offset: int, limit: int) -> Sequence[User]:
        # id breaks ties, so pages stay stable when timestamps are equal.
        stmt = select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
        return (await self._session.scalars(stmt)).all()

    async def count(self) -> int:
        return await self._session.scalar(select(func.count()).select_from(User)) or 0

    async def add(self, user: User) -> User:
        self._session.add(user)
        await self._session.flush()
        return user

    async def delete(self, user: User) -> None:
        await self._session.delete(user)
        await self._session.flush()
