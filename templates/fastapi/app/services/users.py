"""Use cases for users. Owns the transaction; raises domain errors, never HTTP ones."""

import uuid
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.cache import NO_CACHE, ReadCache
from app.models import User
from app.repositories.users import UserRepository
from app.schemas import UserCreate, UserRead, UserUpdate


class UserNotFoundError(Exception):
    pass


class EmailAlreadyRegisteredError(Exception):
    pass


def cache_key(user_id: uuid.UUID) -> str:
    # One user by id, as the API returns it. Lists are not cached: every write would have to
    # invalidate every page.
    return f"users:{user_id}"


class UserService:
    def __init__(self, session: AsyncSession, cache: ReadCache = NO_CACHE) -> None:
        self._session = session
        self._users = UserRepository(session)
        self._cache = cache

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

    async def read(self, user_id: uuid.UUID) -> UserRead:
        """GET /users/{id}, cache-aside: the cached copy if there is one, else the database's,
        which is then cached. Writes use get(), which always reads the database."""
        key = cache_key(user_id)
        cached = await self._cache.get(key)
        if cached is not None:
            try:
                return UserRead.model_validate_json(cached)
            except ValidationError:
                pass  # cached by a version with another shape: a miss, overwritten below
        user = UserRead.model_validate(await self.get(user_id))
        await self._cache.set(key, user.model_dump_json())
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
        # After the commit. A read racing the write may cache the old row again, but only until
        # the cache's TTL ends.
        await self._cache.delete(cache_key(user_id))
        return user

    async def delete(self, user_id: uuid.UUID) -> None:
        user = await self.get(user_id)
        await self._users.delete(user)
        await self._session.commit()
        await self._cache.delete(cache_key(user_id))
