"""The membership graph built on first use, and the lists reaching outsiders found without it."""

from __future__ import annotations

import itertools
import sys

from conftest import ROOT, SAMPLE

from dlscan.boundary import Audience, Boundary
from dlscan.checks import ScanContext, build_checks, rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.graph import MembershipGraph
from dlscan.sources import load_source

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth


def council(tmp_path):
    export = tmp_path / "council.ldif"
    export.write_text(synth.build(seed=7).ldif(), encoding="utf-8")
    return load_source(export)


def context(snapshot, graph):
    return ScanContext(snapshot, graph, Boundary.for_snapshot(snapshot), load_rule_pack(rule_specs()).settings)


def built(graph: MembershipGraph) -> bool:
    return "_direct" in vars(graph)


def test_a_deferred_graph_is_built_when_first_used_and_answers_the_same(tmp_path):
    snapshot = council(tmp_path)
    now, later = MembershipGraph(snapshot), MembershipGraph(snapshot, deferred=True)
    assert not built(later)
    for list_id in snapshot.lists:
        assert later.reach(list_id) == now.reach(list_id)
        assert later.depth(list_id) == now.depth(list_id)
    assert built(later)
    assert later.cycles == now.cycles


def test_lists_reaching_outsiders_are_those_the_graph_gives(tmp_path):
    for snapshot in (load_source(SAMPLE), council(tmp_path)):
        graph = MembershipGraph(snapshot)
        ctx = context(snapshot, graph)
        outsiders = [r for r in snapshot.recipients if ctx.audience(r) is not Audience.INTERNAL]
        assert any(graph.lists_reaching(r) for r in outsiders), "the sample must hold outsiders in lists"
        for recipient in outsiders:
            assert ctx.cache.outsiders_lists.reaching(recipient) == graph.lists_reaching(recipient), recipient


def test_the_rules_that_run_apart_never_build_the_graph(tmp_path):
    """DL006 runs in a forked process; the graph is built after forking by the rules that need it."""
    snapshot = council(tmp_path)
    graph = MembershipGraph(snapshot, deferred=True)
    ctx = context(snapshot, graph)
    apart = [c for c in build_checks(load_rule_pack(rule_specs())) if c.runs_apart]
    assert {c.code for c in apart} == {"DL006"}
    assert [f for check in apart for f in check.run(ctx)]
    assert not built(graph)


def test_an_outsider_in_a_group_that_is_not_mail_enabled_receives_no_list_mail():
    from dlscan.model import DistributionList, DomainDeclaration, Recipient, RecipientKind, Snapshot, SourceInfo

    contact = Recipient("c1", RecipientKind.CONTACT, "Pat Partner", "pat@partner.example")
    user = Recipient("u1", RecipientKind.USER, "Sam Staff", "sam@council.example", enabled=True)
    security = DistributionList("g1", "Door Access", None, mail_enabled=False, members=("c1", "u1"))
    mailing = DistributionList("l1", "Everyone", "everyone@council.example", members=("g1", "c1"))
    nesting = DistributionList("l2", "All", "all@council.example", members=("l1",))
    snapshot = Snapshot(
        SourceInfo("test", "hand-made"),
        {r.id: r for r in (contact, user)},
        {g.id: g for g in (security, mailing, nesting)},
        (DomainDeclaration("council.example", "test"),),
    )
    graph = MembershipGraph(snapshot)
    ctx = context(snapshot, graph)
    assert ctx.audience("c1") is Audience.EXTERNAL
    assert ctx.cache.outsiders_lists.reaching("c1") == graph.lists_reaching("c1") == {"l1", "l2"}


def test_components_are_expanded_after_those_they_nest_whatever_their_numbering():
    from dlscan.graph import _bottom_up

    assert _bottom_up([[], [0], [1, 0]]) == [0, 1, 2]  # numbered as networkx finds them: kept as they are
    order = _bottom_up([[2], [0], []])  # 0 nests 2 and 1 nests 0: sorted
    assert order.index(2) < order.index(0) < order.index(1)


def test_one_walk_finds_each_recipient_by_a_shortest_chain():
    """`paths` walks a list's nesting once for all its recipients; each chain it gives is as short as
    the one `path` finds for that recipient alone, and leads from the list to the recipient."""
    snapshot = load_source(SAMPLE)
    graph = MembershipGraph(snapshot)
    checked = 0
    for list_id in snapshot.lists:
        reached = sorted(graph.reach(list_id))
        chains = graph.paths(list_id, reached)
        assert set(chains) == set(reached)
        for recipient_id, chain in chains.items():
            assert chain[0] == list_id and chain[-1] == recipient_id
            assert all(b in graph.graph.successors(a) for a, b in itertools.pairwise(chain[:-1]))
            assert len(chain) == len(graph.path(list_id, recipient_id))
            checked += len(chain) > 2
    assert checked > 50  # chains through nested lists, not only direct members


def nesting_snapshot(edges: list[tuple[int, int]], lists: int):
    """Lists 0..lists-1, each with one person, nested along `edges` (outer, inner)."""
    from dlscan.model import DistributionList, Recipient, RecipientKind, Snapshot, SourceInfo

    people = {
        f"u{n}": Recipient(f"u{n}", RecipientKind.USER, f"Person {n}", f"p{n}@corp.example") for n in range(lists)
    }
    groups = {
        f"L{n}": DistributionList(f"L{n}", f"List {n:03d}", f"l{n}@corp.example",
                                  members=(f"u{n}", *(f"L{b}" for a, b in edges if a == n)))
        for n in range(lists)
    }  # fmt: skip
    return Snapshot(SourceInfo("test", "hand-made"), people, groups)


def test_containment_is_what_a_walk_of_the_nesting_finds():
    """Forests, shared nested lists, cycles and self-nesting, drawn at random: `contains` answers every
    pair as networkx's own walk does."""
    import random

    import networkx as nx

    rng = random.Random(29)
    for trial in range(60):
        size = rng.randint(2, 25)
        shape = trial % 3  # a forest, a DAG with lists nested in several places, anything with cycles
        edges = set()
        for inner in range(1, size):
            if shape == 0:
                edges.add((rng.randrange(inner), inner))
            else:
                for _ in range(rng.randint(0, 3)):
                    outer = rng.randrange(inner) if shape == 1 else rng.randrange(size)
                    edges.add((outer, inner))
        graph = MembershipGraph(nesting_snapshot(sorted(edges), size))
        for a, b in itertools.permutations(range(size), 2):
            expected = nx.has_path(graph.graph, f"L{a}", f"L{b}")
            assert graph.contains(f"L{a}", f"L{b}") is expected, (trial, sorted(edges), a, b)


def test_the_outermost_of_a_deep_chain_or_a_cycle_is_one_list():
    chain = MembershipGraph(nesting_snapshot([(n, n + 1) for n in range(999)], 1000))
    deep = [f"L{n}" for n in range(1000) if chain.depth(f"L{n}") > 5]
    assert chain.outermost(deep) == ["L0"]
    assert len(chain.nested_within("L0", set(deep))) == len(deep) - 1
    cycle = MembershipGraph(nesting_snapshot([(n, (n + 1) % 50) for n in range(50)] + [(50, 0), (51, 0)], 52))
    assert cycle.outermost([f"L{n}" for n in range(52)]) == ["L50", "L51"]
    assert cycle.outermost([f"L{n}" for n in range(50)]) == ["L0"]
