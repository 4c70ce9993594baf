"""/users: create, list (paginated), read, partial update, delete."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response, status

from app.api.deps import UserServiceDep
from app.schemas import Problem, UserCreate, UserPage, UserRead, UserUpdate
from app.services.users import EmailAlreadyRegisteredError, UserNotFoundError

router = APIRouter(prefix="/users", tags=["users"])

Responses = dict[int | str, dict[str, Any]]

# Listed with model=Problem; app.core.openapi files them as application/problem+json and adds
# the answers every route shares (400, 413, 415, 422, 429).
NOT_FOUND: Responses = {404: {"model": Problem, "description": "No user with this id"}}
CONFLICT: Responses = {409: {"model": Problem, "description": "Email already registered"}}
# The same bound as the Express starter; far below what SQLite and PostgreSQL accept.
MAX_OFFSET = 1_000_000


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "User not found")


def _conflict() -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, "A user with this email already exists")


@router.post("", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_user(body: UserCreate, service: UserServiceDep, response: Response) -> UserRead:
    try:
        user = await service.create(body)
    except EmailAlreadyRegisteredError:
        raise _conflict() from None
    response.headers["Location"] = f"/users/{user.id}"
    return UserRead.model_validate(user)


@router.get("")
async def list_users(
    service: UserServiceDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> UserPage:
    users, total = await service.list_page(offset=offset, limit=limit)
    return UserPage(
        items=[UserRead.model_validate(u) for u in users], total=total, limit=limit, offset=offset
    )


@router.get("/{user_id}", responses=NOT_FOUND)
async def get_user(user_id: uuid.UUID, service: UserServiceDep) -> UserRead:
    try:
        return await service.read(user_id)
    except UserNotFoundError:
        raise _not_found() from None


@router.patch(
    "/{user_id}",
    responses=NOT_FOUND | CONFLICT,
    summary="Update User (only the fields sent)",
)
async def update_user(user_id: uuid.UUID, body: UserUpdate, service: UserServiceDep) -> UserRead:
    try:
        return UserRead.model_validate(await service.update(user_id, body))
    except UserNotFoundError:
        raise _not_found() from None
    except EmailAlreadyRegisteredError:
        raise _conflict() from None


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_user(user_id: uuid.UUID, service: UserServiceDep) -> None:
    try:
        await service.delete(user_id)
    except UserNotFoundError:
        raise _not_found() from None
