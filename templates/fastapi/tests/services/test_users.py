import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from app.schemas import UserCreate, UserUpdate
from app.services.users import EmailAlreadyRegisteredError, UserNotFoundError, UserService


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
