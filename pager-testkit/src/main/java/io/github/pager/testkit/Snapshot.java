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

  /**
   * Whether a torn write may also damage a sector of its OS page that it did not change (a
   * power-safe-overwrite violation; {@link FaultPlan#violatingPowersafeOverwrite()}).
   */
  final boolean tornWritesDamageNeighbours;

  Snapshot(int osPageSize, byte[] durable, long[] dirtyPages, byte[][] dirtyContent, boolean tornWritesDamageNeighbours) {
    this.osPageSize = osPageSize;
    this.durable = durable;
    this.dirtyPages = dirtyPages;
    this.dirtyContent = dirtyContent;
    this.tornWritesDamageNeighbours = tornWritesDamageNeighbours;
  }

  int dirtyCount() {
    return dirtyPages.length;
  }
}
