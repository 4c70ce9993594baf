"""Request dependencies, as Annotated aliases so endpoints declare them by type."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.cache import ReadCache
from app.core.config import Settings
from app.core.db import Database
from app.services.users import UserService


# Every dependency is async: FastAPI runs plain `def` dependencies in a thread pool.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.cache
    return cache


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReadCacheDep = Annotated[ReadCache, Depends(get_read_cache)]


async def get_session(db: DatabaseDep) -> AsyncIterator[AsyncSession]:
    async with db.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_user_service(session: SessionDep, cache: ReadCacheDep) -> UserService:
    return UserService(session, cache)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
