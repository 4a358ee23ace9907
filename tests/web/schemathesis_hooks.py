"""Schemathesis hooks for the fuzz run of the API (loaded through ``SCHEMATHESIS_HOOKS``).

They keep one run from sawing off the branch it sits on and keep it bounded; they never
change what the API is asked in a way that hides an answer:

- the engine searches for the whole time limit it is given (up to 120 s): valid limits are
  shortened to ``FUZZ_PLAN_SECONDS`` (invalid ones are sent as generated);
- every request carries the role's token (``MIXSHARE_FUZZ_TOKEN``), except that
  ``DELETE /auth/token`` revokes a spare token, not the run's own;
- user edits and deactivations aimed at the users whose tokens the run uses go to a spare user.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

FUZZ_PLAN_SECONDS = 0.3
PROTECTED_USERS = {
    int(i) for i in os.environ.get("MIXSHARE_FUZZ_PROTECTED_USERS", "").split(",") if i
}


def _shorten_plan_runs(case: Any) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    limit = body.get("time_limit", 10.0)  # the API's default
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > FUZZ_PLAN_SECONDS:
        body["time_limit"] = FUZZ_PLAN_SECONDS


def _spare_the_run_user(case: Any) -> None:
    user_id = str((case.path_parameters or {}).get("user_id", ""))
    if user_id.isdigit() and int(user_id) in PROTECTED_USERS:
        case.path_parameters["user_id"] = int(os.environ["MIXSHARE_FUZZ_SPARE_USER"])


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    method, path = case.method.upper(), case.path
    token = os.environ["MIXSHARE_FUZZ_TOKEN"]
    if method == "POST" and path.endswith("/plans"):
        _shorten_plan_runs(case)
    elif method == "DELETE" and path.endswith("/auth/token"):
        token = os.environ["MIXSHARE_FUZZ_SPARE_TOKEN"]
    elif method in ("PATCH", "DELETE") and "{user_id}" in path:
        _spare_the_run_user(case)
    # set here, not with ``-H``: command-line headers override what a hook sets
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
