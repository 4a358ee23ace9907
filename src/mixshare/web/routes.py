"""All API routers; ``mixshare.web.app`` mounts this under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from mixshare.api import auth, compounds, lines, members, orders, plans
from mixshare.audit import views as audit_views
from mixshare.users import views as users_views

router = APIRouter()
for module_router in (
    auth.router,
    orders.router,
    compounds.router,
    lines.router,
    plans.router,
    plans.lots_router,
    members.router,
    users_views.router,
    audit_views.router,
):
    router.include_router(module_router)
