package io.github.pager.testkit;

/**
 * What a simulated disk held at one instant, reduced to what a crash there could leave: the
 * durable image, and the cache content of every dirty OS page (one the kernel has yet to write
 * back). Clean pages need no cache copy: a crash leaves them as the durable image has them.
 *
 * <p>Immutable by convention: the arrays are copies nobody else holds.
 */
final class Snapshot {
  final int osPageSize;
  final byte[] durable;
  final long[] dirtyPages;
  final byte[][] dirtyContent;

  Snapshot(int osPageSize, byte[] durable, long[] dirtyPages, byte[][] dirtyContent) {
    this.osPageSize = osPageSize;
    this.durable = durable;
    this.dirtyPages = dirtyPages;
    this.dirtyContent = dirtyContent;
  }

  int dirtyCount() {
    return dirtyPages.length;
  }
}
