"""Every route of the app, gathered from the domains: ``api_router`` (mounted under
``/api/v1`` by ``mixshare.web.app``) and ``page_router`` (the server-rendered pages)."""

from __future__ import annotations

from fastapi import APIRouter

from mixshare.audit import api as audit_api
from mixshare.billing import api as billing_api
from mixshare.billing import pages as billing_pages
from mixshare.changeovers import pages as changeovers_pages
from mixshare.compounds import api as compounds_api
from mixshare.compounds import pages as compounds_pages
from mixshare.environment import api as environment_api
from mixshare.environment import pages as environment_pages
from mixshare.execution import api as execution_api
from mixshare.execution import pages as execution_pages
from mixshare.jobs import api as jobs_api
from mixshare.ledger import api as ledger_api
from mixshare.ledger import pages as ledger_pages
from mixshare.lines import api as lines_api
from mixshare.lines import pages as lines_pages
from mixshare.materials import pages as materials_pages
from mixshare.members import api as members_api
from mixshare.members import pages as members_pages
from mixshare.orders import api as orders_api
from mixshare.orders import pages as orders_pages
from mixshare.orders import timeline
from mixshare.planning import api as planning_api
from mixshare.planning import dashboard
from mixshare.planning import pages as planning_pages
from mixshare.planning import price_pages as planning_price_pages
from mixshare.quality import api as quality_api
from mixshare.quality import pages as quality_pages
from mixshare.sharing import pages as sharing_pages
from mixshare.stock import api as stock_api
from mixshare.stock import pages as stock_pages
from mixshare.tariffs import pages as tariffs_pages
from mixshare.trace import api as trace_api
from mixshare.trace import pages as trace_pages
from mixshare.twin import pages as twin_pages
from mixshare.uploads import pages as uploads_pages
from mixshare.users import api as users_api
from mixshare.users import pages as users_pages
from mixshare.web import static_files, tokens

api_router = APIRouter()
for module_router in (
    tokens.router,
    orders_api.router,
    compounds_api.router,
    lines_api.router,
    planning_api.router,
    planning_api.lots_router,
    jobs_api.router,
    members_api.router,
    users_api.router,
    audit_api.router,
    execution_api.router,
    execution_api.raw_lots_router,
    quality_api.router,
    ledger_api.router,
    stock_api.router,
    stock_api.stock_router,
    environment_api.router,
    trace_api.router,
    billing_api.router,
):
    api_router.include_router(module_router)

# Order matters where paths overlap: /compounds/options.json (planning) before /compounds/{id}.
page_router = APIRouter(include_in_schema=False)
for module in (
    static_files,
    dashboard,
    orders_pages,
    planning_pages,
    planning_price_pages,
    timeline,
    compounds_pages,
    lines_pages,
    tariffs_pages,
    members_pages,
    materials_pages,
    uploads_pages,
    changeovers_pages,
    users_pages,
    quality_pages,
    execution_pages,
    ledger_pages,
    stock_pages,
    environment_pages,
    sharing_pages,
    trace_pages,
    billing_pages,
    twin_pages,
):
    page_router.include_router(module.router)
