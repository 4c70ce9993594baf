import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.schemas import UserCreate, UserRead, UserUpdate
from app.services.users import (
    EmailAlreadyRegisteredError,
    UserNotFoundError,
    UserService,
    cache_key,
)


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    async with app.state.db.session() as session:
        yield session


def new_user(email: str = "grace@example.com") -> UserCreate:
    return UserCreate(email=email, name="Grace Hopper")


async def test_create_then_duplicate_raises_domain_error(session: AsyncSession) -> None:
    service = UserService(session)
    user_id = (await service.create(new_user())).id
    with pytest.raises(EmailAlreadyRegisteredError):
        await service.create(new_user("GRACE@example.com"))
    # the session is usable again after the rollback
    assert (await service.get(user_id)).email == "grace@example.com"


async def test_update_and_delete(session: AsyncSession) -> None:
    service = UserService(session)
    user = await service.create(new_user())
    before = user.updated_at
    updated = await service.update(user.id, UserUpdate(is_active=False))
    assert updated.is_active is False
    assert updated.updated_at >= before
    assert updated.updated_at.tzinfo is not None
    await service.delete(user.id)
    with pytest.raises(UserNotFoundError):
        await service.get(user.id)


async def test_missing_user_raises(session: AsyncSession) -> None:
    service = UserService(session)
    with pytest.raises(UserNotFoundError):
        await service.update(uuid.uuid4(), UserUpdate(name="Nobody"))
    with pytest.raises(UserNotFoundError):
        await service.delete(uuid.uuid4())


class DictCache:
    """A ReadCache (app/core/cache.py) in a dict: how the service uses the seam, not a cache."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.values.get(key)

    async def set(self, key: str, value: str) -> None:
        self.values[key] = value

    async def delete(self, key: str) -> None:
        self.values.pop(key, None)


async def test_read_goes_through_the_cache_and_writes_invalidate(session: AsyncSession) -> None:
    cache = DictCache()
    service = UserService(session, cache)
    user = await service.create(new_user())
    key = cache_key(user.id)
    assert key not in cache.values  # nothing is cached for a write
    first = await service.read(user.id)
    assert UserRead.model_validate_json(cache.values[key]) == first
    cache.values[key] = first.model_copy(update={"name": "From the cache"}).model_dump_json()
    assert (await service.read(user.id)).name == "From the cache"
    await service.update(user.id, UserUpdate(name="Grace B. Hopper"))
    assert key not in cache.values
    assert (await service.read(user.id)).name == "Grace B. Hopper"
    await service.delete(user.id)
    assert key not in cache.values
    with pytest.raises(UserNotFoundError):
        await service.read(user.id)
    assert key not in cache.values  # a 404 is not cached


async def test_a_cached_value_of_another_shape_is_a_miss(session: AsyncSession) -> None:
    cache = DictCache()
    service = UserService(session, cache)
    user = await service.create(new_user())
    cache.values[cache_key(user.id)] = '{"id": "written by an older version"}'
    assert (await service.read(user.id)).email == "grace@example.com"
    assert UserRead.model_validate_json(cache.values[cache_key(user.id)]).id == user.id
