/**
 * JMH benchmarks of pager-core. Every pager figure is measured beside its physical limit in the
 * same run: the same work done on a plain file mapped with {@code FileChannel.map} (one page
 * synced, one 8-byte read, one open and map), so BENCHMARKS.md can quote each as a ratio.
 *
 * <p>Not {@code @NullMarked}: JMH state fields are assigned in {@code @Setup} methods, which
 * NullAway does not know as initializers.
 */
package io.github.pager.bench;
