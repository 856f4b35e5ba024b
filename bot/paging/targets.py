"""Who "/incident escalate …" means: people and groups as mentioned, schedules and escalation
policies by name. Pure: the adapter hands in what it parsed, this decides what it means."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.paging.model import PagingError
from kernel.paging import EscalationPolicy


@dataclass(frozen=True)
class PageTargets:
    targets: tuple[str, ...]               # user:U1, usergroup:S1, schedule:<name>; empty with a policy
    policy: EscalationPolicy | None = None


def resolve_targets(config: Config, mentioned: list[tuple[str, str]]) -> PageTargets:
    """``mentioned``: ("user", U…), ("usergroup", S…) or ("name", text) in the order typed."""
    targets: list[str] = []
    policy: EscalationPolicy | None = None
    for kind, ref in mentioned:
        if kind in ("user", "usergroup"):
            target = f"{kind}:{ref}"
        elif (schedule := config.schedule(ref)) is not None:
            target = f"schedule:{schedule.name}"
        elif (named := config.policy(ref)) is not None:
            policy = named
            continue
        else:
            raise PagingError("not_a_page_target", given=ref, schedules=[s.name for s in config.schedules],
                              policies=[p.name for p in config.escalation_policies])
        if target not in targets:
            targets.append(target)
    if policy is not None and targets:
        raise PagingError("policy_alone", policy=policy.name)
    if policy is None and not targets:
        raise PagingError("nobody_to_page", schedules=bool(config.schedules), policies=bool(config.escalation_policies))
    return PageTargets(tuple(targets), policy)
