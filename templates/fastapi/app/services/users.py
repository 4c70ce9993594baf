"""Use cases for users. Owns the transaction; raises domain errors, never HTTP ones."""

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import User
from app.repositories.users import UserRepository
from app.schemas import UserCreate, UserUpdate


class UserNotFoundError(Exception):
    pass


class EmailAlreadyRegisteredError(Exception):
    pass


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._users = UserRepository(session)

    async def create(self, data: UserCreate) -> User:
        user = User(**data.model_dump())
        try:
            await self._users.add(user)
            await self._session.commit()
        except IntegrityError as exc:
            # The unique constraint decides, so two concurrent requests cannot both win.
            await self._session.rollback()
            raise EmailAlreadyRegisteredError from exc
        return user

    async def get(self, user_id: uuid.UUID) -> User:
        user = await self._users.get(user_id)
        if user is None:
            raise UserNotFoundError
        return user

    async def list_page(self, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
        return await self._users.list_page(offset=offset, limit=limit), await self._users.count()

    async def update(self, user_id: uuid.UUID, data: UserUpdate) -> User:
        user = await self.get(user_id)
        for field, value in data.model_dump(exclude_unset=True).items():
            setattr(user, field, value)
        try:
            await self._session.commit()
        except IntegrityError as exc:
            await self._session.rollback()
            raise EmailAlreadyRegisteredError from exc
        return user

    async def delete(self, user_id: uuid.UUID) -> None:
        user = await self.get(user_id)
        await self._users.delete(user)
        await self._session.commit()
