"""`voicecoach models list|verify`."""

from __future__ import annotations

from typing import Optional

import typer

app = typer.Typer(
    help="The offline models: what is installed, and whether the weights are intact.", no_args_is_help=True
)


@app.command("list")
def list_() -> None:
    """List the registry's models with source, size and licence."""
    from rich.console import Console
    from rich.table import Table

    from voicecoach import models

    t = Table(show_edge=False)
    for col in ("name", "engine", "size", "licence", "source"):
        t.add_column(col)
    for e in models.registry().values():
        t.add_row(e.name, e.engine, f"{e.size_bytes / 1e6:.0f} MB", e.licence, e.source)
    Console().print(t)


@app.command("verify")
def verify(
    name: Optional[str] = typer.Argument(None, help="One model (default: all)."),
    repair: bool = typer.Option(False, "--repair", help="Rebuild an assembled model folder from its packages."),
) -> None:
    """Check every model file against its SHA-256 (and prepare split models)."""
    import shutil

    from voicecoach import models, paths
    from voicecoach.errors import ModelError

    reg = models.registry()
    names = [name] if name else list(reg)
    if name and name not in reg:
        raise ModelError(f"unknown model '{name}': use one of {', '.join(reg)}")
    for n in names:
        if repair:
            shutil.rmtree(paths.models_dir() / n, ignore_errors=True)
        folder = models.registry_folder(reg[n])
        typer.echo(f"{n}: ok ({folder})")
