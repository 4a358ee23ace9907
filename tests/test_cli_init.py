"""``mixshare init``: the first center admin (password never echoed), idempotent, and the
numbered next steps of a new center."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mixshare.cli import ONBOARDING_STEPS, app
from mixshare.db import session_factory
from mixshare.users import service as users
from mixshare.users.models import User

runner = CliRunner()
SECRET = "s3cret-Admin-Pass"


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MIXSHARE_DATABASE_URL", db_url)
    monkeypatch.delenv("MIXSHARE_ADMIN_PASSWORD", raising=False)
    return db_url


def admins(db_url: str) -> list[User]:
    with session_factory(db_url)() as session:
        return list(session.scalars(select(User).where(User.role == "center_admin")))


def test_admin_from_a_prompt_that_does_not_echo(cli_env: str) -> None:
    result = runner.invoke(app, ["init", "--admin-user", "Chief"], input=f"{SECRET}\n{SECRET}\n")
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output  # typer's hidden prompt writes no echo of the input
    assert "center admin chief created" in result.output
    [admin] = admins(cli_env)
    assert admin.username == "chief" and users.verify_password(admin.password_hash, SECRET)


def test_admin_from_the_environment_then_init_again_changes_nothing(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_ADMIN_PASSWORD", SECRET)
    first = runner.invoke(app, ["init", "--admin-user", "boss"])
    assert first.exit_code == 0, first.output
    assert SECRET not in first.output
    again = runner.invoke(app, ["init", "--admin-user", "boss"])
    assert again.exit_code == 0, again.output
    assert "already exists: boss" in " ".join(again.output.split())
    assert [a.username for a in admins(cli_env)] == ["boss"]


def test_short_password_is_refused_without_showing_it(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_ADMIN_PASSWORD", "short7!")
    result = runner.invoke(app, ["init", "--admin-user", "boss"])
    assert result.exit_code == 1
    assert "short7!" not in result.output and "at least 8 characters" in result.output
    assert admins(cli_env) == []


def test_next_steps_are_numbered_from_members_to_publish(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIXSHARE_ADMIN_PASSWORD", SECRET)
    result = runner.invoke(app, ["init", "--admin-user", "boss"], env={"COLUMNS": "250"})
    out = result.output[result.output.index("next steps") :]  # the db path may hold any word
    order = ["members", "materials", "lines", "calendars", "tariffs", "changeover rules",
             "compounds", "orders", "plan", "publish"]  # fmt: skip
    assert [step[0].split(" ")[0] for step in ONBOARDING_STEPS][:2] == ["members", "materials"]
    positions = [out.index(word) for word in order]
    assert positions == sorted(positions), out
    assert "mixshare import materials" in out and "/changeover-rules" in out


def test_every_next_step_names_a_real_command_and_page() -> None:
    """The steps are a user's only guide: each command and page they name must exist."""
    from fastapi.routing import iter_route_contexts

    from mixshare.web.app import create_app

    routes = create_app("sqlite://", secret_key="x").routes
    paths = {str(c.path) for c in iter_route_contexts(routes)}
    for _what, commands, pages in ONBOARDING_STEPS:
        for command in commands.replace("(", ";").split(";"):
            words = command.split()
            if words and words[0] == "mixshare":
                name = [w for w in words[1:3] if w.isidentifier() and w.islower()]
                result = runner.invoke(app, [*name, "--help"])
                assert result.exit_code == 0, (command, result.output)
        for page in pages.split(", "):
            assert page in paths, page


def test_unattended_init_without_an_admin_name_says_how_and_succeeds(cli_env: str) -> None:
    """A deployment script runs `mixshare init` with no terminal: it must neither hang on nor
    abort at the username prompt, and must say that the center has no admin yet."""
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "no center admin yet" in out and "--admin-user" in out


def test_a_refused_username_that_looks_like_markup_is_shown_as_typed(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the problem quotes the username; unescaped, Rich read "[/b]" as a closing tag and the
    # command ended in a MarkupError traceback instead of saying what was wrong
    monkeypatch.setenv("MIXSHARE_ADMIN_PASSWORD", SECRET)
    result = runner.invoke(app, ["init", "--admin-user", "[/b]x"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # typer's exit, not a traceback
    text = " ".join(result.output.split())
    assert "rejected, nothing was written" in text and "[/b]x" in text
    assert admins(cli_env) == []
