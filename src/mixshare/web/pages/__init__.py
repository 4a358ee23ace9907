"""Server-rendered pages: dashboard, orders, plan board, catalogues, member timeline."""

from __future__ import annotations

from fastapi import APIRouter

from mixshare.web.pages import (
    catalog,
    catalog_forms,
    dashboard,
    orders,
    plan,
    static,
    timeline,
    users,
)

router = APIRouter(include_in_schema=False)
for module in (static, dashboard, orders, plan, timeline, catalog, catalog_forms, users):
    router.include_router(module.router)

__all__ = ["router"]
