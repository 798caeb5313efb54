"""Several writers at once, on whichever back-end the suite runs on: 8 processes each register
200 cases and move them through accept, escalate, accept and resolve while another runs the
sweep. Afterwards every case number is unique, no event is missing or doubled, the chain
verifies, the figures reconcile, and no "database is locked" reached anyone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import ledger_url, small_tree
from redprop.cases.log import verify_events
from redprop.core.db import open_ledger, session_scope
from redprop.core.models import Case, CaseEvent
from redprop.figures.period import month_period
from redprop.figures.report import report

WORKERS, CASES = 8, 200
NOW = "2026-11-20T18:00"

WORKER = r"""
import json, sys
from redprop.core.config import parse_time
from redprop.core.db import open_ledger, session_scope
from redprop.core.errors import RedpropError
from redprop.cases.rules import Action
from redprop.cases.actions import Facts, NewCase, act, register_case

url, index, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = open_ledger(url)
done = {"register": 0, "steps": 0, "refused": 0}
for i in range(count):
    # Half the cases were found two weeks ago and are overdue: the sweep competes for them.
    at = parse_time("2026-11-02T09:00") if i % 2 else None
    with session_scope(engine) as s:
        number = register_case(s, new=NewCase(grid="G001" if i % 3 else "G014", category="邻里纠纷", severity="small", summary=f"w{index}-{i}", parties=["甲"]), actor="王敏", at=at).number
    done["register"] += 1
    for action, facts in ((Action.accept, {}), (Action.escalate, {"reason": "并发"}), (Action.accept, {}), (Action.resolve, {"outcome": "化解", "agreement": "oral"})):
        try:
            with session_scope(engine) as s:
                act(s, number=number, action=action, actor="王敏", facts=Facts(**facts))
            done["steps"] += 1
        except RedpropError:
            done["refused"] += 1  # the sweep got there first; a refusal writes nothing
print(json.dumps(done))
"""

SWEEPER = r"""
import json, os, sys, time
from redprop.core.db import open_ledger, session_scope
from redprop.cases.sweep import sweep

url, stop = sys.argv[1], sys.argv[2]
engine = open_ledger(url)
done, runs, deadline = 0, 0, time.monotonic() + 600
while not os.path.exists(stop) and time.monotonic() < deadline:
    with session_scope(engine) as s:
        done += len(sweep(s))
    runs += 1
    time.sleep(0.05)
print(json.dumps({"swept": done, "runs": runs}))
"""


@pytest.mark.slow
def test_eight_writers_and_the_sweep_at_once(
    session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDPROP_NOW", NOW)
    small_tree(session)
    session.commit()
    url = ledger_url()
    env = {**os.environ, "REDPROP_NOW": NOW}
    stop = tmp_path / "stop"
    start = time.monotonic()
    sweeper = subprocess.Popen(
        [sys.executable, "-c", SWEEPER, url, str(stop)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, str(n), str(CASES)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    results = [w.communicate(timeout=900) for w in workers]
    stop.touch()
    swept_out, swept_err = sweeper.communicate(timeout=120)
    elapsed = time.monotonic() - start
    errors = [err for _, err in results] + [swept_err]
    assert [w.returncode for w in workers] + [sweeper.returncode] == [0] * (WORKERS + 1), errors
    assert not any("locked" in err for err in errors)
    done = [json.loads(out) for out, _ in results]
    swept = json.loads(swept_out)["swept"]

    engine = open_ledger(url)
    with session_scope(engine, write=False) as s:
        cases = s.scalar(select(func.count()).select_from(Case))
        numbers = s.scalar(select(func.count(func.distinct(Case.number))))
        events = s.scalar(select(func.count()).select_from(CaseEvent))
        counted = s.scalar(select(func.sum(Case.event_count)))
        # Each case's events are numbered 1..n with no gap and no double.
        gaps = s.scalar(
            select(func.count()).select_from(
                select(CaseEvent.case_id)
                .group_by(CaseEvent.case_id)
                .having((func.max(CaseEvent.seq) != func.count()) | (func.min(CaseEvent.seq) != 1))
                .subquery()
            )
        )
        problems = verify_events(s)
        figures = report(s, period=month_period("2026-11")).figures
    engine.dispose()
    assert cases == numbers == WORKERS * CASES
    assert events == counted == WORKERS * CASES + sum(d["steps"] for d in done) + swept
    assert gaps == 0 and problems == []
    assert figures["registered"] == WORKERS * CASES
    assert figures["carried_over"] + figures["registered"] + figures["reopened"] == (
        figures["open_at_end"] + figures["resolved"] + figures["referred"] + figures["withdrawn"]
    )
    print(f"\n{WORKERS}x{CASES} cases, {events} events, {swept} swept, in {elapsed:.1f} s")  # noqa: T201
