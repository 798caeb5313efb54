"""Tables, cards and trees built from plain data in the one language; how they meet the screen
(fitted to the terminal, or plain for a pipe) is cli/layout's business."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group
from rich.tree import Tree

from redprop.cli.layout import Outline, Sheet
from redprop.core.ids import scrub
from redprop.core.vocab import GRID_KINDS, Label, label

Column = tuple[str, str, str]  # (key, zh header, en header)


def joined(items: Iterable[str], *, lang: str) -> str:
    """Several values in one cell: 、 between them in Chinese, a comma in English."""
    return (", " if lang == "en" else "、").join(items)


def bracketed(text: str, aside: str, *, lang: str) -> str:
    """`text` with `aside` in brackets: 办理中（网格） / in progress (grid)."""
    return f"{text} ({aside})" if lang == "en" else f"{text}（{aside}）"


def fields(
    values: dict[str, Any], names: dict[str, Label], *, lang: str, masked: bool = True
) -> list[str]:
    """A record for `show` as lines of label and value (户主：罗玉福 / Head: 罗玉福), keys
    named by `names` in the one language (the keys themselves are for --json). Values are
    scrubbed unless the user asked to unmask."""
    colon = ": " if lang == "en" else "："
    texts = {key: "" if value is None else str(value) for key, value in values.items()}
    return [
        f"{label(names, key, lang)}{colon}{scrub(text) if masked else text}"
        for key, text in texts.items()
    ]


def demand_card(detail: dict[str, Any], *, lang: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A demand for `service demand show`: its fields as lines, and its steps with their
    action and state in the one language."""
    from redprop.core.vocab import DEMAND_ACTIONS, DEMAND_FIELDS, DEMAND_STATES

    head = {k: detail[k] or "" for k in DEMAND_FIELDS}
    head["state"] = label(DEMAND_STATES, detail["state"], lang)
    events = [
        {
            **e,
            "action": label(DEMAND_ACTIONS, e["action"], lang),
            "state": label(DEMAND_STATES, e["state"], lang),
        }
        for e in detail["events"]
    ]
    return fields(head, DEMAND_FIELDS, lang=lang), events


def logged_command(command: str, lang: str) -> str:
    """A command as the admin log and unmask log show it: 登记工作人员 / staff add."""
    from redprop.core.vocab import LOGGED_COMMANDS, UNMASK_PREFIX, UNMASKED

    if command.startswith(UNMASK_PREFIX):
        said = UNMASKED[1] if lang == "en" else UNMASKED[0]
        return said + label(LOGGED_COMMANDS, command.removeprefix(UNMASK_PREFIX), lang)
    return label(LOGGED_COMMANDS, command, lang)


def logged_target(target: str, lang: str) -> str:
    """What a log entry names, with the codes in it (a role, a whole roster) as words."""
    from redprop.core.vocab import LOGGED_TARGET_WORDS

    return " ".join(label(LOGGED_TARGET_WORDS, w, lang) for w in target.split(" "))


def logged_entry(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """An admin log entry for people: the command, the codes in its target (a role) and the
    names of its counts in the one language."""
    from redprop.core.vocab import LOGGED_COUNTS

    target = logged_target(entry["target"], lang)
    data = (", " if lang == "en" else "，").join(
        f"{label(LOGGED_COUNTS, k, lang)} {v}" for k, v in entry["data"].items()
    )
    at = entry["at"].replace("T", " ")
    return {**entry, "at": at, "command": logged_command(entry["command"], lang)} | {
        "target": target,
        "data": data,
    }


def table(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[Column],
    *,
    lang: str,
    title: str | None = None,
) -> Sheet:
    """Rows as a table under headers in the one language; how it is laid out (fitted to the
    terminal, or tab-separated for a pipe) is cli/layout's business."""
    return Sheet(
        keys=[key for key, _, _ in columns],
        headers=[en if lang == "en" else zh for _, zh, en in columns],
        rows=[[_cell(row.get(key)) for key, _, _ in columns] for row in rows],
        lang=lang,
        title=title,
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = scrub(str(value))  # an ID or phone typed into any free-text field is masked
    # ISO times read better with a space: 2026-11-03 09:30.
    if len(text) >= 16 and text[4] == "-" and text[10] == "T":
        return text.replace("T", " ", 1)
    return text


def unit_tree(streets: Sequence[Any], *, lang: str) -> Outline:
    en = lang == "en"

    def counts(node: Any, *, grids: int | None = None) -> str:
        parts = []
        if grids is not None:
            parts.append(f"{grids} grids" if en else f"{grids} 个网格")
        parts.append(f"{node.buildings} buildings" if en else f"{node.buildings} 栋楼")
        parts.append(f"{node.households} households" if en else f"{node.households} 户")
        return (" (" + ", ".join(parts) + ")") if en else ("（" + "，".join(parts) + "）")

    root = Tree("redprop", hide_root=True)
    for street in streets:
        s = root.add(f"[bold]{street.name}[/bold]{counts(street, grids=street.grids)}")
        for comm in street.communities:
            c = s.add(f"[bold]{comm.name}[/bold]{counts(comm, grids=len(comm.grids))}")
            for grid in comm.grids:
                kind = label(GRID_KINDS, grid.kind, lang)
                c.add(f"{grid.code} {grid.name} [dim]{kind}[/dim]{counts(grid)}")
    return Outline(root)


def case_table(rows: Sequence[dict[str, Any]], *, lang: str) -> Sheet:
    from redprop.core.vocab import LEVELS, SEVERITIES, STATES, WARNINGS

    shown = [
        {
            **r,
            "state_label": label(STATES, r["state"], lang),
            "level_label": label(LEVELS, r["level"], lang),
            "severity_label": label(SEVERITIES, r["severity"], lang),
            "warning_label": label(WARNINGS, r["warning"], lang) + _supervised(r, lang),
        }
        for r in rows
    ]
    columns = [
        ("number", "编号", "Number"),
        ("registered_at", "登记时间", "Registered"),
        ("community", "社区", "Community"),
        ("grid", "网格", "Grid"),
        ("category", "纠纷类型", "Category"),
        ("severity_label", "等级", "Severity"),
        ("level_label", "层级", "Level"),
        ("state_label", "状态", "State"),
        ("due_at", "期限", "Due"),
        ("warning_label", "预警", "Warning"),
        ("summary", "简要情况", "Summary"),
    ]
    return table(shown, columns, lang=lang)


def _supervised(case: dict[str, Any], lang: str) -> str:
    """督办 beside the warning of a case the sweep marked for supervision."""
    if not case["supervised"]:
        return ""
    return " supervised" if lang == "en" else " 督办"


def undo_note(event: dict[str, Any], lang: str) -> str | None:
    """What an undo event took back, in the reader's language: 撤回第 3 步（受理）."""
    from redprop.core.vocab import EVENT_ACTIONS

    if event["action"] != "undo":
        return None
    seq, done = event["data"]["undoes"], label(EVENT_ACTIONS, event["data"]["action"], lang)
    return f"undid step {seq} ({done})" if lang == "en" else f"撤回第 {seq} 步（{done}）"


def case_card(detail: dict[str, Any], *, lang: str) -> Group:
    from redprop.core.vocab import EVENT_ACTIONS, LEVELS, SEVERITIES, STATES, WARNINGS

    en = lang == "en"
    fields = [
        ("编号", "Number", detail["number"]),
        ("状态", "State", label(STATES, detail["state"], lang)),
        ("层级", "Level", label(LEVELS, detail["level"], lang)),
        ("等级", "Severity", label(SEVERITIES, detail["severity"], lang)),
        ("纠纷类型", "Category", detail["category"]),
        ("网格", "Grid", f"{detail['community']} {detail['grid']}"),
        ("地址", "Address", detail["address"] or ""),
        ("当事人", "Parties", joined(detail["parties"], lang=lang)),
        ("简要情况", "Summary", detail["summary"]),
        ("期限", "Due", detail["due_at"] or ""),
        (
            "预警",
            "Warning",
            label(WARNINGS, detail["warning"], lang) + _supervised(detail, lang),
        ),
    ]
    head = Sheet(
        keys=["label", "value"],
        headers=["", ""],
        rows=[[eng if en else zh, scrub(str(value))] for zh, eng, value in fields],
        grid=True,
    )
    events = table(
        [
            {
                **e,
                "action_label": label(EVENT_ACTIONS, e["action"], lang),
                "reason": e["reason"] or undo_note(e, lang),
                "after": bracketed(
                    label(STATES, e["state"], lang), label(LEVELS, e["level"], lang), lang=lang
                ),
                "step_due": e["due_at"],
            }
            for e in detail["events"]
        ],
        [
            ("at", "时间", "At"),
            ("action_label", "操作", "Action"),
            ("after", "之后", "After"),
            ("actor", "操作人", "Actor"),
            ("reason", "说明", "Reason"),
            ("step_due", "期限", "Due"),
        ],
        lang=lang,
    )
    if detail.get("attachments"):
        return Group(head, events, attachment_table(detail["attachments"], lang=lang))
    return Group(head, events)


def attachment_table(rows: list[dict[str, Any]], *, lang: str) -> Sheet:
    """A case's attachments (issue 14): number, kind, file, type, size, when, who, hash."""
    from redprop.cases.attachments import KINDS

    shown = [
        {**r, "kind": label(KINDS, r["kind"], lang), "size": f"{r['size'] / 1024:.0f} KB"}
        | {"sha256": r["sha256"][:12] + "…"}
        for r in rows
    ]
    columns = [
        ("n", "附件", "No."),
        ("kind", "类别", "Kind"),
        ("file", "文件", "File"),
        ("type", "类型", "Type"),
        ("size", "大小", "Size"),
        ("at", "时间", "At"),
        ("actor", "操作人", "By"),
        ("sha256", "SHA-256", "SHA-256"),
    ]
    return table(shown, columns, lang=lang, title="附件" if lang != "en" else "Attachments")


def repeat_notice(number: str, related: dict[str, str], *, lang: str) -> str:
    """The one line `case new` says of a repeat dispute: 同一住户近 12 个月已有 2 件纠纷：…"""
    from redprop.core.vocab import RELATED_WHY

    whys = [label(RELATED_WHY, w, lang) for w in ("link", "household", "phone", "address")]
    said = [
        w
        for w, code in zip(whys, ("link", "household", "phone", "address"), strict=True)
        if code in related.values()
    ]
    numbers = joined(related, lang=lang)
    if lang == "en":
        return (
            f"Related ({', '.join(said)}) in the last 12 months: {len(related)} case(s): {numbers}; "
            f"see redprop case related {number}"
        )
    return (
        f"{'、'.join(said)}近 12 个月已有 {len(related)} 件纠纷：{numbers}；"
        f"用 redprop case related {number} 查看"
    )
