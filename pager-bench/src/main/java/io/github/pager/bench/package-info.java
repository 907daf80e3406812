/**
 * JMH benchmarks of pager-core. Every pager figure is measured beside its physical limit in the
 * same run: the same work done on a plain file mapped with {@code FileChannel.map} (one page
 * synced, one 8-byte read, one open and map), so BENCHMARKS.md can quote each as a ratio. The
 * operations issue 12 compares across stores also have an LMDB peer (methods named {@code lmdb...},
 * through lmdbjava, a dependency of this module only) in the same benchmark class, so the pager,
 * its floor and LMDB are measured in one JMH run.
 *
 * <p>Not {@code @NullMarked}: JMH state fields are assigned in {@code @Setup} methods, which
 * NullAway does not know as initializers.
 */
package io.github.pager.bench;
