"""The state-machine machinery every domain shares (docs/design.md §8): a machine is one table of
rows (from-states, action, to-state, the facts it needs, what else it does) and refusals are
built from that table, so a message always says what *is* allowed now.

A domain declares its rows and a `Machine`; its one step function asks `Machine.rule` for the
row of (state, action) and applies it. Pure: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from redprop.core.errors import RedpropError
from redprop.core.fields import FREE, LINE, check_line
from redprop.core.ids import clean_block
from redprop.core.vocab import Label

S = TypeVar("S", bound=Hashable)  # a state (a StrEnum); None means "not yet recorded"
A = TypeVar("A", bound=Hashable)  # an action (a StrEnum)


class Refused(RedpropError):
    """The table does not allow this action now (or its facts are missing); nothing was
    written."""


@dataclass(frozen=True)
class Need:
    """A fact an action needs from the command line: `fact` names the field of the domain's
    facts object, `option` the flag a user types, `zh`/`en` what it is (for the message)."""

    fact: str
    option: str
    zh: str
    en: str = ""
    optional: bool = False
    # Free text (a summary, a note, a reason) keeps its lines and may be FREE characters long;
    # any other fact is one line of at most LINE (core/fields).
    free: bool = False

    def missing(self) -> Label:
        hint = f" ({self.en})" if self.en else ""
        return f"需要 {self.option}（{self.zh}）", f"{self.option}{hint} is required"


@dataclass(frozen=True)
class Row(Generic[S, A]):
    """One row of a machine's table. `target` None keeps the state; `effect` carries what else
    the domain's step function does (the ladder's level move and clock); `needs` are checked in
    order, so the first missing fact is the one reported."""

    action: A
    sources: frozenset[S | None]
    target: S | None
    needs: tuple[Need, ...] = ()
    effect: Any = None


class Machine(Generic[S, A]):
    """A table of rows and the words to talk about it.

    `noun` names the thing that moves (案件/case); `hidden` actions are the system's own (never
    offered in a hint); `sort_hints` lists allowed actions by their English name rather than in
    table order; `en_state` names the state in English refusals ("Can't x case N (registered)")."""

    def __init__(
        self,
        *,
        noun: Label,
        rows: Iterable[Row[S, A]],
        state_names: dict[S | None, Label],
        action_names: dict[A, Label],
        refused: type[Refused] = Refused,
        hidden: frozenset[A] = frozenset(),
        sort_hints: bool = False,
        en_state: bool = False,
    ) -> None:
        self.noun = noun
        self.rows: dict[A, Row[S, A]] = {row.action: row for row in rows}
        self.transitions: dict[tuple[S | None, A], Row[S, A]] = {
            (source, row.action): row for row in self.rows.values() for source in row.sources
        }
        self.state_names = state_names
        self.action_names = action_names
        self.refused = refused
        self.hidden = hidden
        self.sort_hints = sort_hints
        self.en_state = en_state

    def allowed(self, state: S | None) -> list[A]:
        """The actions a user may take in `state`, in the order hints list them."""
        actions = [a for (s, a) in self.transitions if s == state and a not in self.hidden]
        if self.sort_hints:
            actions.sort(key=lambda a: self.action_names[a][1])
        return actions

    def rule(self, number: str, state: S | None, action: A) -> Row[S, A]:
        """The row for (state, action), or the refusal that says what is allowed instead."""
        row = self.transitions.get((state, action))
        if row is None:
            raise self.refusal(number, state, action)
        return row

    def refusal(self, number: str, state: S | None, action: A) -> Refused:
        sz, se = self.state_names[state]
        az, ae = self.action_names[action]
        allowed = [self.action_names[a] for a in self.allowed(state)]
        hint_zh = "、".join(n[0] for n in allowed) or "无"
        hint_en = ", ".join(n[1] for n in allowed) or "none"
        nz, ne = self.noun
        return self.refused(
            f"不能对{sz}的{nz} {number} 执行{az}；此状态下可以：{hint_zh}",
            f"Can't {ae} {ne} {number}: it is {se}; allowed now: {hint_en}",
        )

    def refuse(self, number: str | None, state: S | None, action: A, zh: str, en: str) -> Refused:
        """A refusal of `action` for a reason other than the table (a missing fact, the time, the
        actor): "不能对待受理的案件 N 执行上报：<why>". Without a number (nothing registered yet),
        "不能登记：<why>"."""
        az, ae = self.action_names[action]
        if number is None:
            return self.refused(f"不能{az}：{zh}", f"Can't {ae}: {en}")
        sz, se = self.state_names[state]
        nz, ne = self.noun
        where = f" ({se})" if self.en_state else ""
        return self.refused(
            f"不能对{sz}的{nz} {number} 执行{az}：{zh}", f"Can't {ae} {ne} {number}{where}: {en}"
        )

    def read(
        self,
        row: Row[S, A],
        facts: Any,
        *,
        clean: Callable[[str], str],
        refuse: Callable[[str, str], Exception],
    ) -> dict[str, Any]:
        """The facts `row` needs, taken from `facts` (an object with one attribute per fact):
        text is cleaned and its length checked (core/fields), and a required fact that is
        missing or blank is refused with `refuse(zh, en)`. Optional facts that are absent are
        left out."""
        values: dict[str, Any] = {}
        for need in row.needs:
            value = getattr(facts, need.fact, None)
            if isinstance(value, str):
                value = (clean_block(value) if need.free else clean(value)) or None
                if value is not None:
                    check_line(need.option, value, FREE if need.free else LINE)
            elif isinstance(value, list):
                value = [text for text in (clean(v) for v in value) if text] or None
                for text in value or ():
                    check_line(need.option, text, LINE)
            if value is None:
                if need.optional:
                    continue
                raise refuse(*need.missing())
            values[need.fact] = value
        return values
