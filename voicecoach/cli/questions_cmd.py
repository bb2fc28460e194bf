"""`voicecoach questions list|show`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from voicecoach.cli.options import bank_option

app = typer.Typer(help="The question banks: list them, or show one question with its rubric.", no_args_is_help=True)


@app.command("list")
def list_(
    category: Optional[str] = typer.Option(
        None,
        "--category",
        "-c",
        metavar="NAME",
        help="Only this category (general, motivation, technical, design, behavioral).",
    ),
    bank: list[Path] = bank_option(),
) -> None:
    """List every question: id, category, target length."""
    from rich.console import Console
    from rich.table import Table

    from voicecoach import questions
    from voicecoach.errors import QuestionError
    from voicecoach.timefmt import clock

    qs = list(questions.load_all(bank).values())
    if category:
        if category not in questions.CATEGORIES:
            raise QuestionError(f"unknown category '{category}': use one of {', '.join(questions.CATEGORIES)}")
        qs = [q for q in qs if q.category == category]
    t = Table(show_edge=False)
    t.add_column("id", style="cyan", no_wrap=True)
    t.add_column("category")
    t.add_column("target", no_wrap=True)
    t.add_column("question")
    for q in qs:
        t.add_row(q.id, q.category, f"{clock(q.target_min_s)}–{clock(q.target_max_s)}", q.text)
    Console().print(t)


@app.command("show")
def show(
    question_id: str = typer.Argument(..., metavar="ID", help="The question id."),
    bank: list[Path] = bank_option(),
) -> None:
    """Show one question: its text, target length, guidance and rubric."""
    from rich.console import Console

    from voicecoach import questions
    from voicecoach.timefmt import clock

    q = questions.get(question_id, bank)
    c = Console()
    c.print(f"[bold]{q.text}[/bold]  [dim]({q.id}, {q.category}, from {q.source})[/dim]")
    c.print(f"Target length: {clock(q.target_min_s)}–{clock(q.target_max_s)}")
    if q.guidance:
        c.print(q.guidance)
    c.print("[bold]Rubric[/bold]")
    for i in q.rubric:
        c.print(f" • {i.description}  [dim]({i.id})[/dim]")
        for ex in i.examples[:2]:
            c.print(f"     [dim]e.g. “{ex}”[/dim]")
