"""The checker itself: histories written by hand, each linearizable or not, so
a run of the real workload that reports no anomaly means something."""

import random

from checker import (ABSENT, INDETERMINATE, OK, PRECONDITION_FAILED, Op, check,
                     check_register)


def put(c, v, t0, t1, key="k", result=OK):
    return Op(c, "put", key, t0, None if result == INDETERMINATE else t1, value=v, result=result)


def get(c, v, t0, t1, key="k"):
    return Op(c, "get", key, t0, t1, result=v)


def delete(c, t0, t1, key="k"):
    return Op(c, "delete", key, t0, t1, result=OK)


def test_sequential_history_is_linearizable():
    h = [put(0, "a", 0, 1), get(1, "a", 2, 3), put(0, "b", 4, 5), get(1, "b", 6, 7),
         delete(0, 8, 9), get(1, ABSENT, 10, 11)]
    assert check_register(h) is True


def test_stale_read_after_completed_write_is_caught():
    h = [put(0, "a", 0, 1), put(0, "b", 2, 3), get(1, "a", 4, 5)]
    assert check_register(h) is not True


def test_read_during_overwrite_may_see_either_version():
    for seen in ("a", "b"):
        h = [put(0, "a", 0, 1), put(0, "b", 2, 6), get(1, seen, 3, 4)]
        assert check_register(h) is True


def test_read_going_back_in_time_is_caught():
    """Two reads during one overwrite: new then old is not linearizable."""
    h = [put(0, "a", 0, 1), put(0, "b", 2, 10), get(1, "b", 3, 4), get(1, "a", 5, 6)]
    assert check_register(h) is not True


def test_value_never_written_is_caught():
    h = [put(0, "a", 0, 1), get(1, "zzz", 2, 3)]
    assert check_register(h) is not True


def test_read_of_deleted_key_is_caught():
    h = [put(0, "a", 0, 1), delete(0, 2, 3), get(1, "a", 4, 5)]
    assert check_register(h) is not True


def test_indeterminate_write_may_or_may_not_apply():
    applied = [put(0, "a", 0, 1), put(1, "b", 2, None, result=INDETERMINATE), get(2, "b", 5, 6)]
    not_applied = [put(0, "a", 0, 1), put(1, "b", 2, None, result=INDETERMINATE),
                   get(2, "a", 5, 6)]
    assert check_register(applied) is True
    assert check_register(not_applied) is True
    # ... but once seen it cannot disappear again.
    flicker = applied + [get(2, "a", 7, 8)]
    assert check_register(flicker) is not True


def test_acknowledged_write_lost_after_restart_is_caught():
    h = [put(0, "a", 0, 1), put(0, "b", 2, 3), get(1, ABSENT, 20, 21)]
    assert check_register(h) is not True


def test_conditional_create_has_one_winner():
    one = [Op(c, "put_if_absent", "k", 0, 1, value=f"w{c}",
              result=OK if c == 0 else PRECONDITION_FAILED) for c in range(4)]
    assert check_register(one) is True
    two = [Op(c, "put_if_absent", "k", 0, 1, value=f"w{c}", result=OK) for c in range(2)]
    assert check_register(two) is not True


def test_if_match_succeeds_only_on_the_matching_version():
    base = [put(0, "a", 0, 1)]
    good = base + [Op(1, "put_if_match", "k", 2, 3, value="b", expect="a", result=OK)]
    assert check_register(good) is True
    bad = base + [put(0, "c", 2, 3),
                  Op(1, "put_if_match", "k", 4, 5, value="b", expect="a", result=OK)]
    assert check_register(bad) is not True
    refused = base + [Op(1, "put_if_match", "k", 2, 3, value="b", expect="a",
                         result=PRECONDITION_FAILED)]
    assert check_register(refused) is not True


def test_list_after_write_and_after_delete():
    ok = [put(0, "a", 0, 1, key="p/x"), Op(1, "list", "p/", 2, 3, result={"p/x"})]
    assert check(ok).anomalies == []
    missing = [put(0, "a", 0, 1, key="p/x"), Op(1, "list", "p/", 2, 3, result=set())]
    assert len(check(missing).anomalies) == 1
    shown = [put(0, "a", 0, 1, key="p/x"), delete(0, 2, 3, key="p/x"),
             Op(1, "list", "p/", 4, 5, result={"p/x"})]
    assert len(check(shown).anomalies) == 1
    racing = [put(0, "a", 0, 1, key="p/x"), delete(0, 2, 6, key="p/x"),
              Op(1, "list", "p/", 4, 5, result={"p/x"})]
    assert check(racing).anomalies == []
    # A delete that overlapped the put may come after it: either is right.
    overlapped = [put(0, "a", 0, 3, key="p/x"), delete(1, 1, 2, key="p/x"),
                  Op(2, "list", "p/", 4, 5, result=set())]
    assert check(overlapped).anomalies == []


def test_long_concurrent_linearizable_history_checks_quickly():
    """Twelve clients on one key, 3,000 operations, generated from a real
    sequential order with overlapping intervals: must pass, fast."""
    rng = random.Random(7)
    ops, value, t = [], ABSENT, 0.0
    for i in range(3000):
        c = rng.randrange(12)
        start = t - rng.random() * 0.5  # overlaps earlier ops
        lin = t
        kind = rng.choice(["put", "get", "get", "delete"])
        if kind == "put":
            value = f"w{i}"
            ops.append(put(c, value, start, lin + rng.random() * 0.5))
        elif kind == "delete":
            value = ABSENT
            ops.append(delete(c, start, lin + rng.random() * 0.5))
        else:
            ops.append(get(c, value, start, lin + rng.random() * 0.5))
        t += 0.1
    assert check_register(ops) is True
