"""The FastAPI application: ``create_app(settings)`` wires the store, the warehouse and the
routers, and turns every error into one body shape (``ErrorBody``).

Stateless on purpose (ARCHITECTURE.md): all state is in the store and the warehouse, so any
number of replicas can serve behind a load balancer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bankcrm.api.auth import current_login
from bankcrm.api.common import ErrorBody, ErrorDetail
from bankcrm.api.hardening import BodyLimit, SecurityHeaders, quiet_access_log
from bankcrm.api.routes import (
    analytics,
    assignments,
    audit,
    auth,
    campaigns,
    contacts,
    counter,
    customers,
    needs,
    privacy,
    segments,
    tasks,
    users,
)
from bankcrm.api.schemas import HealthOut
from bankcrm.config import Settings
from bankcrm.counter.wiring import build_service
from bankcrm.crm.errors import CrmError
from bankcrm.crm.search_index import ensure_search_index
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.store.db import make_engine, session_factory
from bankcrm.warehouse.layout import Warehouse

API_PREFIX = "/api/v1"
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text_}
    for code, text_ in (
        (400, "The request is not acceptable: see errors[].field and reason"),
        (401, "Not logged in: no, an expired, a revoked or a tampered token"),
        (403, "The role may not do this, or the CSRF token is missing"),
        (404, "The entity does not exist"),
        (409, "Conflict with the current state, e.g. a stale version"),
        (413, "The request body is larger than the limit"),
        (422, "The request does not match the schema"),
    )
}


def _package_version() -> str:
    try:
        return version("bankcrm")
    except PackageNotFoundError:  # running from a source tree
        return "0"


def create_app(settings: Settings, crm_settings: CrmSettings | None = None) -> FastAPI:
    """The API app for ``settings``' store and warehouse."""
    engine = make_engine(settings.store_url)
    ensure_search_index(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="bankcrm API",
        version=_package_version(),
        description="银行网点客户关系管理 — customer 360, search, assignments, contacts, needs, "
        "tasks, segments and campaigns.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.warehouse = Warehouse(settings.warehouse_path)
    app.state.crm_settings = crm_settings or settings.crm
    app.state.security = settings.security
    app.state.diagnosis = settings.diagnosis
    app.state.counter = build_service(settings, engine)
    add_error_handlers(app)
    app.add_api_route(
        "/api/health",
        health,
        methods=["GET"],
        tags=["health"],
        response_model=HealthOut,
        responses={503: {"model": HealthOut, "description": "The store does not answer"}},
    )
    # Every route needs a login, reference data included; only logging in itself does not
    # (the auth routes that need one ask for it themselves).
    v1 = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    v1.include_router(auth.router)
    logged_in = APIRouter(dependencies=[Depends(current_login)])
    routers = (users, customers, privacy, contacts, needs, assignments, tasks, segments,
               campaigns, analytics, audit)  # fmt: skip
    for module in routers:
        logged_in.include_router(module.router)
    logged_in.include_router(counter.router, prefix="/counter", tags=["counter"])
    v1.include_router(logged_in)
    app.include_router(v1)
    # Outermost last: the size limit runs before anything reads the body.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.security.max_request_bytes,
        upload_bytes=settings.security.max_upload_bytes,
    )
    quiet_access_log()
    return app


def health(request: Request) -> JSONResponse:
    """Liveness and the store's reachability (503 when the store does not answer)."""
    engine: Engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        body = HealthOut(status="degraded", store="unreachable", version=_package_version())
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(HealthOut(status="ok", store="ok", version=_package_version()).model_dump())


def _body(
    status: int, errors: list[ErrorDetail], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        ErrorBody(status=status, errors=errors).model_dump(), status_code=status, headers=headers
    )


def add_error_handlers(app: FastAPI) -> None:
    async def crm_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, CrmError)
        # RFC 6750: a 401 names the scheme the client should authenticate with.
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return _body(
            error.status_code, [ErrorDetail(field=error.field, reason=error.reason)], headers
        )

    async def invalid(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        details = [
            ErrorDetail(
                # loc is ("query" | "body" | "path" | "header", name, ...): keep the name part
                field=".".join(str(part) for part in e["loc"][1:]) or str(e["loc"][0]),
                reason=str(e["msg"]),
            )
            for e in error.errors()
        ]
        return _body(422, details)

    async def http_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        # Keep the exception's headers: a 405 must say which methods are allowed (Allow).
        return _body(
            error.status_code,
            [ErrorDetail(field=None, reason=str(error.detail))],
            getattr(error, "headers", None),
        )

    app.add_exception_handler(CrmError, crm_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)


def app_from_environment() -> FastAPI:
    """The app for the settings of the environment (uvicorn's ``--factory`` entry point)."""
    return create_app(Settings())
