"""The rectification task's states and transition table, as data (docs/design.md §14); pure,
like the ladder and the demand table.

decide → open → start → in_progress → done → done → verify → verified, and reject: done →
in_progress when verification fails. Verification and rejection are for staff of the meeting's
unit (or above it): who may act is PERMISSIONS' (units/authority), checked by the step.
"""

from __future__ import annotations

from redprop.core.machine import Machine, Need, Refused, Row
from redprop.core.vocab import TASK_ACTIONS, TASK_STATES, Label, TaskAction, TaskState

OPEN, WORK, DONE, OK = TaskState.open, TaskState.in_progress, TaskState.done, TaskState.verified

# docs/design.md §14, one row per action: from → to and the facts it needs.
TASK_ROWS: tuple[Row[TaskState, TaskAction], ...] = (
    Row(
        TaskAction.decide,
        frozenset({None}),
        OPEN,
        (
            Need("task", "--task", "整改任务", free=True),
            Need("owner", "--owner", "责任单位或责任人"),
        ),
    ),
    Row(
        TaskAction.start,
        frozenset({OPEN}),
        WORK,
        (Need("reason", "--reason", "说明", optional=True, free=True),),
    ),
    Row(
        TaskAction.done,
        frozenset({WORK}),
        DONE,
        (Need("reason", "--reason", "完成情况", optional=True, free=True),),
    ),
    Row(
        TaskAction.verify,
        frozenset({DONE}),
        OK,
        (Need("reason", "--reason", "验收意见", optional=True, free=True),),
    ),
    Row(
        TaskAction.reject,
        frozenset({DONE}),
        WORK,
        (Need("reason", "--reason", "退回原因", free=True),),
    ),
)
# A task whose owner still owes work (overdue once its due date has passed).
PENDING = frozenset({OPEN, WORK})
# The steps a staff member of the meeting's unit (or above) must take.
CHECKS = frozenset({TaskAction.verify, TaskAction.reject})

STATE_NAMES: dict[TaskState | None, Label] = {None: ("未登记", "unrecorded")} | {
    TaskState(code): names for code, names in TASK_STATES.items()
}
ACTION_NAMES: dict[TaskAction, Label] = {TaskAction(c): n for c, n in TASK_ACTIONS.items()}


class TaskRefused(Refused):
    """The task can't take this step now; nothing was written."""


TASKS: Machine[TaskState, TaskAction] = Machine(
    noun=("整改任务", "task"),
    rows=TASK_ROWS,
    state_names=STATE_NAMES,
    action_names=ACTION_NAMES,
    refused=TaskRefused,
    hidden=frozenset({TaskAction.decide}),
)
# (state, action) → the state after it: the table at a glance.
TRANSITIONS: dict[tuple[TaskState | None, TaskAction], TaskState] = {
    pair: row.target for pair, row in TASKS.transitions.items() if row.target is not None
}
