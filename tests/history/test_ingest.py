"""Writing the history store: PR merges known as the log is read, batches sized by file changes."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from svcnotes.history.events import pr_merges
from svcnotes.history.gitread import Commit, read_log, stream_log
from svcnotes.history.ingest import PullRequests
from tests.conftest import git
from tests.history.helpers import commit_all, merge_pr

EPOCH = datetime(2026, 1, 1)


def _graph(rng: random.Random, size: int) -> tuple[list[Commit], str]:
    """A history with branches off main and off each other, merged into main (some going on after) and into
    each other, oldest first."""
    commits: list[Commit] = []
    main = ""
    branches: list[str] = []
    for n in range(size):
        sha = f"{n:040x}"
        roll = rng.random()
        if roll < 0.3 and branches:  # merge a branch into main (it may go on after)
            i = rng.randrange(len(branches))
            parents = (main, branches[i] if rng.random() < 0.3 else branches.pop(i))
            main = sha
        elif roll < 0.45 or not main:  # on main directly
            parents = (main,) if main else ()
            main = sha
        elif roll < 0.6 and len(branches) > 1:  # one branch merged into another
            a, b = rng.sample(range(len(branches)), 2)
            parents = (branches[a], branches[b])
            branches[a] = sha
            branches.pop(b)
        elif roll < 0.8 or not branches:  # a new branch off main, or off another branch
            parents = (main,) if not branches or rng.random() < 0.6 else (rng.choice(branches),)
            branches.append(sha)
        else:  # a commit on a branch
            i = rng.randrange(len(branches))
            parents = (branches[i],)
            branches[i] = sha
        commits.append(Commit(sha, parents, "a", "a@x", EPOCH, EPOCH, f"commit {n}"))
    return commits, main


def _chain(commits: list[Commit], head: str) -> set[str]:
    parents = {c.sha: c.parents for c in commits}
    chain = set()
    sha: str | None = head
    while sha:
        chain.add(sha)
        sha = parents[sha][0] if parents[sha] else None
    return chain


def test_each_commit_gets_the_merge_pr_merges_finds_as_soon_as_it_is_read() -> None:
    rng = random.Random(3)
    for _ in range(200):
        commits, head = _graph(rng, rng.randint(1, 60))
        prs = PullRequests(_chain(commits, head))
        at = 0
        while at < len(commits):  # read in batches, as the store reads git log
            step = rng.randint(1, 7)
            prs.read(commits[at:at + step])
            at += step
        expected = pr_merges({c.sha: c.parents for c in commits}, head)
        assert prs.pr_of == expected
        assert set(prs.subjects) >= {pr for pr in expected.values() if pr}


def test_a_merge_is_known_once_read_and_not_before() -> None:
    commits, head = _graph(random.Random(5), 40)
    prs = PullRequests(_chain(commits, head))
    for n, commit in enumerate(commits):
        prs.read([commit])
        for pr in prs.pr_of.values():  # only merges already read are named
            assert not pr or int(pr, 16) <= n


def test_log_batches_hold_about_as_many_file_changes_as_asked(repo: Path) -> None:
    for n in range(5):
        (repo / f"records/notes/2026/N-2611-{n:03d}.md").parent.mkdir(parents=True, exist_ok=True)
        (repo / f"records/notes/2026/N-2611-{n:03d}.md").write_text(f"---\nid: N-2611-{n:03d}\n---\n", encoding="utf-8")
    commit_all(repo, "five notes at once")
    git(repo, "checkout", "-q", "-b", "side")
    (repo / "records/notes/2026/N-2611-000.md").write_text("---\nid: N-2611-000\n---\n\nmore\n", encoding="utf-8")
    commit_all(repo, "one note")
    merge_pr(repo, "side")
    batches = list(stream_log(repo, batch=3))
    assert [c.sha for b in batches for c in b] == [c.sha for c in read_log(repo)]
    assert [[len(c.files) for c in b] for b in batches] == [[2, 5], [1, 0]]  # the merge counts as one


def test_a_first_parent_chain_that_cannot_be_read_stops_the_build(repo: Path) -> None:
    import pytest

    from svcnotes.history.ingest import FirstParents
    from svcnotes.store.gitops import GitError

    head = git(repo, "rev-parse", "HEAD").strip()
    assert head in FirstParents(repo, head).chain()
    chain = FirstParents(repo, "0" * 40)  # no such commit: never an empty chain taken for a real one
    with pytest.raises(GitError, match="rev-list"):
        chain.chain()
