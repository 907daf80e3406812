package io.github.pager.core;

/**
 * What the pending list of a commit says: how many pages are free but not reusable yet, and how
 * many of those a registered reader holds back. Read from the file, so a tool that opens the file
 * read-only beside a writer sees the writer's last commit (see {@link Pager#pendingPages()}).
 *
 * @param pending pages the list names: freed by a recent commit, or held for a snapshot or reader
 * @param listPages pages the list itself occupies
 * @param heldForReaders of {@code pending}, pages whose freeing commit has a durable successor,
 *     so that only a registered reader of an older commit keeps them from reuse (a writer's own
 *     snapshots are not in the file, and count as reusable here)
 */
public record PendingPages(long pending, long listPages, long heldForReaders) {}
