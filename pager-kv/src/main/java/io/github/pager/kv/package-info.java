/**
 * An ordered key-value store kept in a page file: {@link io.github.pager.kv.KvStore} over a
 * {@link io.github.pager.core.Pager}, with write transactions that commit atomically with one
 * pager commit, read transactions on pager snapshots, and cursors in both directions.
 *
 * <p>The store is a copy-on-write B+tree whose nodes are pages; its module README describes the
 * node format, how it uses the pager's root values, snapshots and reuse rule, and how it is
 * crash-tested with pager-testkit.
 */
@NullMarked
package io.github.pager.kv;

import org.jspecify.annotations.NullMarked;
