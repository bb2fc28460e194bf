"""The report on a terminal, with rich. It renders the JSON form (any schema version), so a fresh report
and one stored in a session look the same."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from voicecoach.analysis.fillers import HEARD
from voicecoach.render.text import EDGES, REPEATS, language_summary
from voicecoach.timefmt import clock

STATUS_STYLE = {"covered": ("✔ covered", "green"), "partly": ("◐ partly", "yellow"), "missed": ("✘ missed", "red")}
VERDICT_STYLE = {
    "on target": "green",
    "short": "yellow",
    "long": "yellow",
    "no speech": "red",
    "ok": "green",
    "slow": "yellow",
    "fast": "yellow",
    "": "dim",
}
MAX_LISTED = 12  # occurrences listed in full before "... and N more"


def _score_style(x: float) -> str:
    return "green" if x >= 75 else "yellow" if x >= 50 else "red"


def render(r: dict, console: Console, show_transcript: bool = False) -> None:
    """Print the report ``r`` (the dict of voicecoach.schema.report.to_dict)."""
    q = r["question"]
    head = Text()
    head.append(q["text"], style="bold")
    head.append(f"  [{q['id']}]\n", style="dim")
    mode = " · reproducible" if (r.get("asr") or {}).get("numerics") == "reproducible" else ""  # (schema 1.6)
    head.append(
        f"{r['audio']['path'] or ''} · {clock(r['audio']['duration_s'])} recorded · model {r['model']}{mode}",
        style="dim",
    )
    console.print(Panel(head, title="voicecoach", expand=True))
    for n in r["notices"]:
        console.print(Text("! " + n, style="bold yellow"))
    if r["score"] is None:
        return
    parts = Table.grid(padding=(0, 2))
    for k, w in r["weights"].items():
        parts.add_row(
            Text(k, style="dim"),
            Text(f"{r['parts'][k]:.0f}", style=_score_style(r["parts"][k])),
            Text(f"weight {w}%", style="dim"),
        )
    score = Text(f"{r['score']:.0f}/100", style=f"bold {_score_style(r['score'])}")
    console.print(Panel(Group(Text.assemble("Overall score  ", score), parts), expand=False))

    L = r["length"]
    off = "" if L["verdict"] == "on target" else f" by {clock(L['off_by_s'])}"
    console.print(
        Text.assemble(
            ("Length  ", "bold"),
            f"{clock(L['answer_s'])}  (target {clock(L['target_min_s'])}–{clock(L['target_max_s'])})  ",
            (L["verdict"] + off, VERDICT_STYLE[L["verdict"]]),
        )
    )

    p = r["pace"]
    console.print(
        Text.assemble(
            ("Pace    ", "bold"),
            f"{p['wpm']:.0f} wpm overall, {p['speaking_wpm']:.0f} wpm while "
            f"speaking  (comfortable {p['min_wpm']:.0f}–{p['max_wpm']:.0f})  ",
            (p["verdict"], VERDICT_STYLE[p["verdict"]]),
        )
    )
    if len(p["windows"]) > 1:
        tl = Text("        ")
        for w in p["windows"]:
            tl.append(f"{clock(w['start_s'])} {w['wpm']:.0f}  ", style=VERDICT_STYLE[w["verdict"]])
        console.print(tl)
    for w in p["windows"]:
        if w["verdict"] in ("slow", "fast"):
            console.print(
                Text(
                    f"        {clock(w['start_s'])}–{clock(w['end_s'])}: {w['verdict']} ({w['wpm']:.0f} wpm)",
                    style="yellow",
                )
            )

    f = r["fillers"]
    console.print(
        Text.assemble(
            ("Fillers ", "bold"),
            f"{f['count']}  ({f['per_minute']:.1f}/min, {f['per_100_words']:.1f} per "
            f"100 words; {f['hesitation_count']} hesitations, {f['discourse_count']} discourse)",
        )
    )
    written = [x for x in f["occurrences"] if x["source"] != HEARD]
    heard = [x for x in f["occurrences"] if x["source"] == HEARD]
    if written:
        listed = ", ".join(f'"{x["text"]}" {clock(x["start_s"])}' for x in written[:MAX_LISTED])
        more = f" … and {len(written) - MAX_LISTED} more" if len(written) > MAX_LISTED else ""
        console.print(Text("        " + listed + more, style="dim"))
    if heard:
        spans = [(clock(x["start_s"]), clock(x["end_s"])) for x in heard[:MAX_LISTED]]
        listed = ", ".join(a if a == b else f"{a}–{b}" for a, b in spans)
        more = f" … and {len(heard) - MAX_LISTED} more" if len(heard) > MAX_LISTED else ""
        console.print(Text(f"        um/uh (heard, not transcribed) ×{len(heard)} at: {listed}{more}", style="dim"))

    pa = r["pauses"]
    console.print(
        Text.assemble(
            ("Pauses  ", "bold"),
            f"{pa['count']} over {pa['min_pause_s']:g} s, longest "
            f"{pa['longest_s']:.1f} s, {len(pa['long_pauses'])} over {pa['long_pause_s']:g} s",
        )
    )
    for x in pa["long_pauses"][:MAX_LISTED]:
        console.print(Text(f"        {clock(x['start_s'])}  {x['duration_s']:.1f} s", style="yellow"))
    for g in pa["transcription_gaps"]:
        console.print(
            Text(
                f"        {clock(g['start_s'])}  transcription gap of {g['end_s'] - g['start_s']:.1f} s (not a pause)",
                style="dim",
            )
        )

    dv = r.get("delivery")  # absent from reports before schema 1.5
    if dv:
        render_delivery(dv, console)
    if r.get("wording"):  # absent before schema 1.5
        render_language(r["wording"], console)

    rb = r["rubric"]
    if rb["items"]:
        t = Table(title=f"Rubric coverage {rb['coverage']:.0%}", title_justify="left", expand=True)
        t.add_column("point", ratio=2)
        t.add_column("", no_wrap=True)
        t.add_column("evidence", ratio=3)
        for i in rb["items"]:
            label, style = STATUS_STYLE[i["status"]]
            ev = f"{clock(i['evidence_start_s'])} “{i['evidence']}”" if i["evidence"] else ""
            t.add_row(i["description"], Text(label, style=style), Text(ev, style="dim"))
        console.print(t)

    if r["tips"]:
        console.print(Text("Tips", style="bold"))
        for n, tip in enumerate(r["tips"], 1):
            console.print(f" {n}. {tip['text']}")
    if show_transcript:
        console.print(Panel(r["transcript"]["text"] or "(nothing)", title="Transcript", expand=True))


def render_delivery(dv: dict, console: Console) -> None:
    """The "Voice" lines: pitch and its variation, level, and each finding with its time."""
    pitch = (
        f"pitch {dv['pitch_median_hz']:.0f} Hz, varies {dv['pitch_spread_st']:.1f} semitones"
        if dv["pitch_median_hz"] is not None and dv["pitch_spread_st"] is not None
        else "pitch not measured (too little voiced speech)"
    )
    level = f"level {dv['level_dbfs']:.0f} dBFS" if dv["level_dbfs"] is not None else ""
    if dv["level_spread_db"] is not None:
        level += f" ±{dv['level_spread_db']:.0f} dB"
    console.print(Text.assemble(("Voice   ", "bold"), f"{pitch}; {level}  ", ("advisory, not in the score", "dim")))
    judged = [w for w in dv["windows"] if w["spread_st"] is not None]
    if len(judged) > 1:
        tl = Text("        ")
        for w in judged:
            tl.append(f"{clock(w['start_s'])} {w['spread_st']:.1f}  ", style="yellow" if w["monotone"] else "green")
        console.print(tl)
    for f in dv["findings"][:MAX_LISTED]:
        console.print(Text(f"        {clock(f['start_s'])}  {f['text']}", style="yellow"))
    if len(dv["findings"]) > MAX_LISTED:
        console.print(Text(f"        … and {len(dv['findings']) - MAX_LISTED} more", style="yellow"))


def render_language(lg: dict, console: Console) -> None:
    console.print(Text.assemble(("Words   ", "bold"), language_summary(lg), ("  advisory", "dim")))
    edges = [x for x in lg["phrases"] if x["kind"] in EDGES]
    listed = [x for x in lg["phrases"] if x["kind"] in REPEATS]
    for x in edges:
        console.print(
            Text(f"        {clock(x['start_s'])}  {x['kind'].replace('-', ' ')}: “{x['text']}”", style="yellow")
        )
    if listed:
        more = f" … and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
        console.print(
            Text(
                "        " + ", ".join(f'"{x["text"]}" {clock(x["start_s"])}' for x in listed[:MAX_LISTED]) + more,
                style="dim",
            )
        )
