"""A linearizability checker for histories of S3 operations on single keys,
plus list-after-write and list-after-delete checks.

Each key is a register. Its operations are:
  put(v)                 -> ok                       (value becomes v)
  put_if_absent(v)       -> ok | precondition_failed (If-None-Match: *)
  put_if_match(v, w)     -> ok | precondition_failed | not_found (If-Match: ETag of w)
  delete()               -> ok                       (value becomes absent)
  get()                  -> value | absent
Values are write ids (every write sends a body of its own), so a GET names
the write it saw. An operation whose outcome is unknown (timeout, 5xx,
connection lost, server killed) may have taken effect at any moment after
its invocation, or never: it is "indeterminate" and has no completion time.

The search is Wing & Gong's, with the state cache of Lowe's refinement: walk
the events in time order, linearize a pending operation whenever the model
allows its observed result, backtrack on a completion whose operation could
not be linearized, and never explore the same (linearized set, value) twice.
Keys are independent registers, so each is checked on its own (a history of
a few thousand operations per key checks in well under a second).
"""

from dataclasses import dataclass, field
from typing import Optional

ABSENT = None
OK = "ok"
PRECONDITION_FAILED = "precondition_failed"
NOT_FOUND = "not_found"  # If-Match on a key that does not exist: 404, as AWS
INDETERMINATE = "indeterminate"


@dataclass
class Op:
    client: int
    kind: str            # put, put_if_absent, put_if_match, delete, get, list
    key: str             # for list: the prefix
    invoked: float
    completed: Optional[float] = None   # None while indeterminate
    value: Optional[str] = None         # put*: the write id sent
    expect: Optional[str] = None        # put_if_match: the write id whose ETag was sent
    result: object = None               # OK, PRECONDITION_FAILED, INDETERMINATE, a write id,
                                        # ABSENT (get), or a set of keys (list)
    error: str = ""                     # what an indeterminate or failed op saw
    ended: Optional[float] = None       # when the client saw the outcome, whatever it was

    @property
    def indeterminate(self):
        return self.result == INDETERMINATE


@dataclass
class Report:
    operations: int = 0
    keys: int = 0
    lists: int = 0
    anomalies: list = field(default_factory=list)

    def __str__(self):
        head = (f"{self.operations} operations on {self.keys} keys and {self.lists} listings "
                f"checked: {len(self.anomalies)} anomalies")
        return "\n  ".join([head, *self.anomalies[:20]])


def step(op, value):
    """The model: (allowed, value after) for `op` with its observed result
    applied to a register holding `value`. Indeterminate writes are tried as
    having succeeded (their "never happened" branch is not linearizing them)."""
    result = op.result
    if op.kind == "get":
        return result == value, value
    if op.kind == "delete":
        return True, ABSENT
    if op.kind == "put":
        return True, op.value
    if op.kind == "put_if_absent":
        if result == PRECONDITION_FAILED:
            return value is not ABSENT, value
        return value is ABSENT, op.value
    if op.kind == "put_if_match":
        if result == NOT_FOUND:
            return value is ABSENT, value
        if result == PRECONDITION_FAILED:
            return value != op.expect, value
        return value == op.expect, op.value
    raise ValueError(f"unknown operation {op.kind}")


class Inconclusive(Exception):
    """The search ran out of its state budget."""


def observed_values(ops):
    """Values some completed operation saw: GET results and the write ids
    If-Match writes expected, plus ABSENT when anything saw the key missing."""
    seen = set()
    for o in ops:
        if o.indeterminate:
            continue
        if o.kind == "get":
            seen.add(o.result)
        elif o.kind == "put_if_match":
            seen.add(ABSENT if o.result == NOT_FOUND else o.expect)
        elif o.kind == "put_if_absent" and o.result == OK:
            seen.add(ABSENT)
    return seen


def check_register(ops, initial=ABSENT, budget=2_000_000):
    """True when the operations on one key are linearizable; else a string
    naming where no order could be found.

    Indeterminate writes make the search space grow with every subset of
    them, and a kill leaves many. Most are never observed, and leaving one
    out only removes orders, so the search first runs without them: when
    that passes the history is linearizable. Only when it fails is the full
    set searched (within `budget` states; running out is reported)."""
    ops = [o for o in ops if not (o.kind == "get" and o.indeterminate)]
    seen = observed_values(ops)
    pruned = [o for o in ops if not o.indeterminate or
              (o.value in seen if o.kind.startswith("put") else ABSENT in seen)]
    try:
        if search(pruned, initial, budget) is True:
            return True
        return search(ops, initial, budget)
    except Inconclusive:
        return f"inconclusive: more than {budget} states explored ({len(ops)} ops)"


def search(ops, initial, budget):
    """Wing & Gong's search with Lowe's state cache (see the top of the file)."""
    # Reads that failed tell nothing about the register (they are availability
    # anomalies, counted elsewhere); indeterminate writes may or may not apply.
    if not ops:
        return True
    events = []  # (time, is_completion, op index); invocations first at a tie
    for i, o in enumerate(ops):
        events.append((o.invoked, 0, i))
        if not o.indeterminate:
            events.append((o.completed, 1, i))
    events.sort()

    # A doubly linked list of events, so entries can be lifted and put back.
    n = len(events)
    nxt = [i + 1 if i + 1 < n else None for i in range(n)]
    prv = [i - 1 if i > 0 else None for i in range(n)]
    head_ = [0]  # the first event still in the list (boxed for lift/unlift)
    # Per op: the index of its invocation and completion event.
    call_of, ret_of = {}, {}
    for idx, (_, is_ret, i) in enumerate(events):
        (ret_of if is_ret else call_of)[i] = idx
    required = sum(1 for o in ops if not o.indeterminate)

    def lift(idx):
        p, q = prv[idx], nxt[idx]
        if p is None:
            head_[0] = q
        else:
            nxt[p] = q
        if q is not None:
            prv[q] = p

    def unlift(idx):
        p, q = prv[idx], nxt[idx]
        if p is None:
            head_[0] = idx
        else:
            nxt[p] = idx
        if q is not None:
            prv[q] = idx

    linearized = 0  # bitset of op indices
    value = initial
    stack = []  # (op index, value before)
    cache = set()
    done_required = 0
    entry = head_[0]
    deepest = 0
    while True:
        if done_required == required:
            return True
        if entry is not None and events[entry][1] == 0:
            i = events[entry][2]
            op = ops[i]
            allowed, after = step(op, value)
            if allowed:
                key = (linearized | (1 << i), after)
                if key not in cache:
                    if len(cache) >= budget:
                        raise Inconclusive()
                    cache.add(key)
                    stack.append((i, value))
                    linearized |= 1 << i
                    value = after
                    if not op.indeterminate:
                        done_required += 1
                    lift(call_of[i])
                    if i in ret_of:
                        lift(ret_of[i])
                    deepest = max(deepest, len(stack))
                    entry = head_[0]
                    continue
            entry = nxt[entry]
            continue
        # A completion (or the end) reached with its operation not placed:
        # undo the last choice and try the next candidate after it.
        if not stack:
            first = min((o for o in ops if not o.indeterminate), key=lambda o: o.completed)
            return (f"no order explains the history (deepest {deepest} of {len(ops)} ops; "
                    f"e.g. check around {describe(first)})")
        i, value = stack.pop()
        op = ops[i]
        linearized &= ~(1 << i)
        if not op.indeterminate:
            done_required -= 1
        if i in ret_of:
            unlift(ret_of[i])
        unlift(call_of[i])
        entry = nxt[call_of[i]]


def describe(op):
    t1 = "?" if op.completed is None else f"{op.completed:.4f}"
    extra = ""
    if op.kind.startswith("put"):
        extra = f" value={op.value}"
    if op.kind == "put_if_match":
        extra += f" if-match={op.expect}"
    return (f"client {op.client} {op.kind}({op.key}{extra}) [{op.invoked:.4f}, {t1}] "
            f"-> {op.result!r}{(' ' + op.error) if op.error else ''}")


def check_lists(history):
    """Anomalies of list-after-write and list-after-delete: a LIST invoked
    after a PUT of k completed must show k unless a DELETE of k may have run
    before the LIST completed; a LIST invoked after a DELETE of k completed
    must not show k unless a PUT of k may have run before it completed."""
    anomalies = []
    writes = [o for o in history if o.kind.startswith("put") or o.kind == "delete"]
    for lst in (o for o in history if o.kind == "list" and not o.indeterminate):
        by_key = {}
        for w in writes:
            if w.key.startswith(lst.key):
                by_key.setdefault(w.key, []).append(w)
        for key, ws in by_key.items():
            # The last write to k known complete before the LIST began; any
            # write that could overlap the LIST makes the key's state free.
            before = [w for w in ws if not w.indeterminate and w.completed < lst.invoked
                      and w.result == OK]
            overlapping = [w for w in ws if w.invoked < lst.completed and
                           (w.indeterminate or w.completed >= lst.invoked)]
            if not before or overlapping:
                continue
            last = max(before, key=lambda w: w.completed)
            # Writes that overlap the last one may be ordered after it.
            if any(w is not last and w.completed > last.invoked for w in before):
                continue
            present = key in lst.result
            if last.kind == "delete" and present:
                anomalies.append(f"list-after-delete: {describe(lst)} shows {key}, deleted by "
                                 f"{describe(last)}")
            if last.kind != "delete" and not present:
                anomalies.append(f"list-after-write: {describe(lst)} misses {key}, written by "
                                 f"{describe(last)}")
    return anomalies


def check(history, initial=None):
    """Checks a whole history: each key's register and every listing.
    `initial` maps keys to their write id before the history (default absent)."""
    initial = initial or {}
    report = Report(operations=len(history))
    per_key = {}
    for o in history:
        if o.kind != "list":
            per_key.setdefault(o.key, []).append(o)
    report.keys = len(per_key)
    report.lists = sum(1 for o in history if o.kind == "list")
    for key, ops in sorted(per_key.items()):
        verdict = check_register(ops, initial.get(key, ABSENT))
        if verdict is not True:
            report.anomalies.append(f"key {key}: {verdict}")
    report.anomalies.extend(check_lists(history))
    return report
