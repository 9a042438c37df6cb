"""Complementary suppression of published counts: which cells to withhold besides the small ones, so that no count
of 1 or 2 can be worked out from the others (issue 14).

Withholding only the small cells ("<3", primary suppression) is not enough when the published figures add up: a
month's 4 cases closed and 3 closed on time give the "<3" closed late as 1. Statistical offices answer with
complementary suppression: withhold more cells (marked "x") until every small cell can again be 1 or 2.

This module is pure. It gets the exact values of every cell and the linear relations a reader knows between them
(each a sum of ±1 × cell that equals 0), and returns the cells to withhold. A reader is assumed to know:
- a published cell exactly;
- a small cell is 1 or 2;
- a withheld ("x") cell is at least 3 (the rule is public, so a reader can infer that it is not small);
- an unpublished quantity (the confidential cases between the agency's total and its units') is at least 0.
The audit narrows every cell's range through every relation until nothing changes (interval propagation) and
checks that no small cell is pinned to one value. Propagation is sound but not complete: a reader solving all the
relations at once as an integer programme could in rare shapes learn more; statistical offices audit the same way.
When a small cell is exposed, the cheapest published cell of a relation that exposes it is withheld (by default
the smallest: the least information lost), and the audit runs again.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

SMALL = 3
INF = float("inf")

Key = Hashable
Relation = Sequence[tuple[Key, int]]   # Σ coefficient × cell = 0 (whole coefficients, given as ±1)


def small(value: int) -> bool:
    return 0 < value < SMALL


class CannotAudit(Exception):
    """The figures contradict their own relations (read at different moments, a case registered in between), or
    the audit did not settle: the caller reads again or withholds more."""


def protect(values: Mapping[Key, int], relations: Iterable[Relation], unpublished: Iterable[Key] = (),
            cost: Callable[[Key], tuple] | None = None, marked: Iterable[Key] = (),
            may_withhold: Callable[[Key], bool] | None = None) -> set[Key]:
    """The cells to mark "x" (withheld) besides the small ones marked "<3", so that no small cell can be worked
    out. `unpublished` cells are never published (the reader knows only that they are ≥ 0). Of the cells that would
    protect a small one, the one of least `cost` goes (by default the smallest value). `marked` cells are "x"
    already; `may_withhold` limits which further cells may be (a second pass over figures that change daily)."""
    cost = cost or (lambda k: (values[k],))
    allowed = may_withhold or (lambda _k: True)
    never = set(unpublished)
    groups, relations = _aliases(values, relations, never)
    group_value = {g: values.get(g, 0) for g in groups}
    group_cost = {g: max(cost(k) for k in members) for g, members in groups.items() if g not in never}
    given = set(marked)
    # Groups shown "x": published ones withheld, or small ones whose "<3" said too much.
    withheld = {g for g, members in groups.items() if given & set(members)}
    excluded = never | {g for g, members in groups.items() if not all(allowed(k) for k in members)}
    for part in _components(relations):  # apart, each settles in fewer, smaller rounds
        withheld |= _protect_part(part, group_value, withheld, never, excluded, group_cost)
    return {k for g in withheld for k in groups[g]}


class _Sets:
    """Disjoint sets of cells (union-find)."""

    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def find(self, key: Key) -> Key:
        parent = self.parent
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def join(self, key: Key, other: Key) -> None:
        self.parent[self.find(key)] = self.find(other)


def _components(relations: Sequence[Relation]) -> list[list[Relation]]:
    """The relations in groups that share no cell."""
    sets = _Sets()
    for relation in relations:
        for key, _c in relation[1:]:
            sets.join(key, relation[0][0])
    parts: dict[Key, list[Relation]] = {}
    for relation in relations:
        parts.setdefault(sets.find(relation[0][0]), []).append(relation)
    return list(parts.values())


def _protect_part(relations: Sequence[Relation], values: Mapping[Key, int], given: set[Key], never: set[Key],
                  excluded: set[Key], cost: Mapping[Key, tuple]) -> set[Key]:
    member_of: dict[Key, list[int]] = {}
    for index, relation in enumerate(relations):
        for key, _coefficient in relation:
            member_of.setdefault(key, []).append(index)
    withheld = {g for g in member_of if g in given}
    while True:
        known = _known_ranges(values, withheld, never, member_of)
        ranges = _propagate({k: list(v) for k, v in known.items()}, relations, member_of)
        exposed = [g for g in sorted(member_of, key=repr) if g not in never and small(values[g])
                   and ranges[g][0] == ranges[g][1]]
        if not exposed:
            return withheld
        added: set[Key] = set()
        for group in exposed:
            options = _complements(group, values, withheld, excluded, relations, member_of, ranges, known[group],
                                   cost)
            if set(options) & added:
                continue  # this round already withholds a cell that may protect it
            # Prefer a cell that no relation of its own would give away again (each of its other relations keeps
            # another unknown member): withholding a cell that is still derivable protects nothing.
            hidden = withheld | added | never
            free = [o for o in options if all(any(k != o and k in hidden for k, _c in relations[i])
                                               for i in member_of[o] if group not in dict(relations[i]))]
            choice = (free or options or [None])[0]
            if choice is not None:
                added.add(choice)
        if not added:  # with consistent figures and every cell allowed, cannot happen
            raise CannotAudit("no cell left to withhold")
        withheld |= added


def _aliases(values: Mapping[Key, int], relations: Iterable[Relation],
             never: set[Key]) -> tuple[dict[Key, list[Key]], list[tuple[tuple[Key, int], ...]]]:
    """Cells that always equal each other (a unit with one channel: the unit's row is its channel's row) are one
    cell here, withheld together: withholding one of them alone would protect nothing. Published zeros are left out
    of the relations (the reader knows them)."""
    sets = _Sets()
    kept = []
    for relation in relations:
        members = tuple((k, c) for k, c in relation if k in never or values.get(k, 0) != 0)
        for key, _c in members:
            sets.find(key)
        if len(members) == 2 and members[0][1] == -members[1][1] and not {members[0][0], members[1][0]} & never:
            sets.join(members[0][0], members[1][0])
        else:
            kept.append(members)
    groups: dict[Key, list[Key]] = {}
    for key in list(sets.parent):
        groups.setdefault(sets.find(key), []).append(key)
    merged = []
    for members in kept:
        total: dict[Key, int] = {}
        for key, coefficient in members:
            total[sets.find(key)] = total.get(sets.find(key), 0) + coefficient
        merged_members = tuple((k, c) for k, c in total.items() if c)
        if len(merged_members) > 1:
            merged.append(merged_members)
    return groups, merged


def _known_ranges(values: Mapping[Key, int], marked: set[Key], unpublished: set[Key],
                  member_of: Mapping[Key, list[int]]) -> dict[Key, list[float]]:
    ranges: dict[Key, list[float]] = {}
    for key in member_of:
        if key in unpublished:
            ranges[key] = [0, INF]
        elif key in marked:  # "x": at least 3 if it was published; a small cell marked "x" could be 1 or more
            ranges[key] = [1, INF] if small(values.get(key, 0)) else [SMALL, INF]
        elif small(values.get(key, 0)):
            ranges[key] = [1, 2]
        else:
            value = values.get(key, 0)
            ranges[key] = [value, value]
    return ranges


def _bounds(relation: Relation, target: Key, ranges: Mapping[Key, list[float]]) -> tuple[float, float]:
    """The range of `target` that the relation allows, given the other members' ranges (whole numbers)."""
    low = high = 0.0
    own = 1
    for key, coefficient in relation:
        if key == target:
            own = coefficient
            continue
        lo, hi = ranges[key]
        # the target's term is minus the sum of the others: subtract coefficient × [lo, hi]
        if coefficient > 0:
            low, high = low - coefficient * hi, high - coefficient * lo
        else:
            low, high = low - coefficient * lo, high - coefficient * hi
    low, high = (low / own, high / own) if own > 0 else (high / own, low / own)
    return (math.ceil(low) if math.isfinite(low) else low), (math.floor(high) if math.isfinite(high) else high)


def _all_bounds(relation: Relation, ranges: Mapping[Key, list[float]]) -> list[tuple[Key, float, float]]:
    """`_bounds` for every member at once, in one pass over the relation (a month's total has a hundred members)."""
    terms = []
    low_sum = high_sum = 0.0
    low_infinite = high_infinite = 0
    for key, coefficient in relation:
        lo, hi = ranges[key]
        # minus coefficient × [lo, hi]; lo is never -∞, so a low term is finite or -∞ and a high one finite or +∞
        term_low, term_high = ((-coefficient * hi, -coefficient * lo) if coefficient > 0
                               else (-coefficient * lo, -coefficient * hi))
        terms.append((key, coefficient, term_low, term_high))
        if term_low == -INF:
            low_infinite += 1
        else:
            low_sum += term_low
        if term_high == INF:
            high_infinite += 1
        else:
            high_sum += term_high
    out = []
    for key, coefficient, term_low, term_high in terms:
        if term_low == -INF:
            low = -INF if low_infinite > 1 else low_sum
        else:
            low = -INF if low_infinite else low_sum - term_low
        if term_high == INF:
            high = INF if high_infinite > 1 else high_sum
        else:
            high = INF if high_infinite else high_sum - term_high
        low, high = (low / coefficient, high / coefficient) if coefficient > 0 else (high / coefficient,
                                                                                     low / coefficient)
        out.append((key, math.ceil(low) if math.isfinite(low) else low,
                    math.floor(high) if math.isfinite(high) else high))
    return out


def _propagate(ranges: dict[Key, list[float]], relations: Sequence[Relation],
               member_of: Mapping[Key, list[int]]) -> dict[Key, list[float]]:
    queue = deque(range(len(relations)))
    queued = set(queue)
    budget = 200 * max(len(relations), 1)  # cycles can creep by one a turn; the cap keeps a page's time bounded
    while queue:
        if not budget:  # stopping here would leave ranges wider than they are: unsound, so say so
            raise CannotAudit("the audit did not settle")
        budget -= 1
        index = queue.popleft()
        queued.discard(index)
        for key, low, high in _all_bounds(relations[index], ranges):
            current = ranges[key]
            if low > current[0] or high < current[1]:
                current[0], current[1] = max(current[0], low), min(current[1], high)
                if current[0] > current[1]:
                    raise CannotAudit(f"{key!r} cannot satisfy its relations")
                for other in member_of[key]:  # this relation too: with a coefficient over 1 it may tighten again
                    if other not in queued:
                        queue.append(other)
                        queued.add(other)
    return ranges


def _complements(key: Key, values: Mapping[Key, int], marked: set[Key], unpublished: set[Key],
                 relations: Sequence[Relation], member_of: Mapping[Key, list[int]],
                 ranges: Mapping[Key, list[float]], known: list[float], cost: Mapping[Key, tuple]) -> list[Key]:
    """Cells that could protect `key`, cheapest first: the published cells of the relations exposing it, then of its
    other relations, then of any relation reached from it; else its relations' small cells, to show as "x" instead
    of "<3" (a total of 2 made of two 1s needs that)."""
    def candidates(indices: Iterable[int], shown_small: bool = False) -> list[Key]:
        found = {k for i in indices for k, _c in relations[i] if k not in marked and k not in unpublished
                 and (small(values[k]) if shown_small else values[k] >= SMALL)}
        return sorted(found, key=lambda k: (*cost[k], repr(k)))

    def pins(bounds: tuple[float, float]) -> bool:
        return max(bounds[0], known[0]) >= min(bounds[1], known[1])

    exposing = [i for i in member_of[key] if pins(_bounds(relations[i], key, ranges))]
    options = candidates(exposing)
    options += [k for k in candidates(member_of[key]) if k not in options]
    if options:
        return options
    seen, frontier = {key}, deque([key])  # the relations of the relations' withheld members, and so on
    while frontier:
        for index in member_of[frontier.popleft()]:
            found = candidates([index])
            if found:
                return found
            for other, _c in relations[index]:
                if other not in seen:
                    seen.add(other)
                    frontier.append(other)
    return candidates(exposing or member_of[key], shown_small=True)
