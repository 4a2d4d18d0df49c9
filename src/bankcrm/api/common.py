"""Pieces every router shares: the error body, paging, the session and acting-user dependencies
(the acting user is authenticated in ``bankcrm.api.auth``), and the services' errors
(re-exported so routes import them from one place)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.api.auth import ActorDep, get_actor
from bankcrm.crm.errors import BadRequest, Conflict, CrmError, NotFound, bump, check_version

__all__ = [
    "ActorDep",
    "BadRequest",
    "Conflict",
    "CrmError",
    "EntityId",
    "ErrorBody",
    "ErrorDetail",
    "NotFound",
    "Page",
    "PageParams",
    "PagingDep",
    "SessionDep",
    "bump",
    "check_version",
    "get_actor",
    "get_session",
    "page_params",
]

MAX_PAGE_SIZE = 200
MAX_ID = 2_147_483_647  # integer keys are 32-bit on both databases: larger ids are a 422
T = TypeVar("T")


class ErrorDetail(BaseModel):
    """One thing wrong with a request: the field (None: the request as a whole) and why."""

    field: str | None = None
    reason: str


class ErrorBody(BaseModel):
    """Every 4xx answer of the API has this body, whatever raised it."""

    status: int
    errors: list[ErrorDetail]


class Page(BaseModel, Generic[T]):
    """A page of a list, with the total count of the whole (filtered) list."""

    items: list[T]
    total: int = Field(ge=0)
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)


class PageParams(BaseModel):
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def of(self, items: list[T], total: int) -> Page[T]:
        """This page of a list whose whole length is ``total``."""
        return Page(items=items, total=total, page=self.page, page_size=self.page_size)


def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number")] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> PageParams:
    """The ``page`` and ``page_size`` query parameters, validated (422 when out of range)."""
    return PageParams(page=page, page_size=page_size)


def get_session(request: Request) -> Iterator[Session]:
    """A store session from the app's engine, for one request; rolled back if the request
    fails, closed always. Services commit their own unit of work."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


EntityId = Annotated[int, Path(ge=1, le=MAX_ID)]
SessionDep = Annotated[Session, Depends(get_session)]
PagingDep = Annotated[PageParams, Depends(page_params)]
