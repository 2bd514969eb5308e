"""The `prm-label` command line: parses options, wires the pieces, shows progress on stderr."""

from __future__ import annotations

import typer

from cli import collect_cmd, data_cmds, report_cmd, sandbox_cmd, train_cmds, world_cmds

app = typer.Typer(
    name="prm-label",
    help="Line-level process-reward labels for code: collect, train, score, export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sandbox_cmd.app, name="sandbox")
data_cmds.register(app)
collect_cmd.register(app)
train_cmds.register(app)
report_cmd.register(app)
world_cmds.register(app)

# The contract's commands (../shared/DESIGN.md). Those not built yet say so and exit 2.
CONTRACT_COMMANDS = {
    "collect": "issue 5",
    "train": "issue 6",
    "score": "issue 6",
    "evaluate": "issue 6",
    "export": "issue 3",
    "push": "issue 3",
    "merge": "issue 3",
    "report": "issue 9",
}


def _not_yet(name: str, issue: str) -> None:
    @app.command(
        name,
        help=f"(not implemented yet: {issue})",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def _cmd(ctx: typer.Context) -> None:
        typer.echo(f"prm-label {name}: not implemented yet ({issue})", err=True)
        raise typer.Exit(2)


_registered = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
for _name, _issue in CONTRACT_COMMANDS.items():
    if _name not in _registered:
        _not_yet(_name, _issue)


def main() -> None:
    """Entry point: usage errors are one line on stderr with exit code 2, like bad input."""
    import sys

    try:  # typer >= 0.29 vendors click
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
        from typer.exceptions import Abort
    except ImportError:  # pragma: no cover - older typer on real click
        from click.exceptions import Abort, NoArgsIsHelpError, UsageError  # type: ignore[no-redef]

    try:
        rc = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            typer.echo(exc.ctx.get_help(), err=True)
        sys.exit(2)
    except UsageError as exc:
        cmd = exc.ctx.command_path if exc.ctx is not None else "prm-label"
        typer.echo(f"{cmd}: {exc.format_message()} (see --help)", err=True)
        sys.exit(2)
    except Abort:
        sys.exit(130)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
