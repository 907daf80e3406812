package io.github.pager.kv;

import io.github.pager.core.Transaction;

/**
 * How a {@link KvStore} sits in its pager: which root values it claims, and whether reads check
 * node checksums. Immutable; each {@code with} method returns a changed copy.
 */
public final class KvOptions {
  /** The first of the four root slots a store claims by default: 16, so slots 16 to 19. */
  public static final int DEFAULT_ROOT_SLOT = 16;

  /** How many root slots a store claims, from its first. */
  public static final int ROOT_SLOTS_CLAIMED = RootSlots.COUNT;

  private final int rootSlot;
  private final boolean verifiedReads;

  private KvOptions(int rootSlot, boolean verifiedReads) {
    this.rootSlot = rootSlot;
    this.verifiedReads = verifiedReads;
  }

  /**
   * Returns the defaults: root slots 16 to 19, reads that check each node's magic and level but
   * not its checksum.
   *
   * @return the defaults
   */
  public static KvOptions defaults() {
    return new KvOptions(DEFAULT_ROOT_SLOT, false);
  }

  /**
   * Returns these options with the store's root values at slots {@code first} to {@code first +
   * 3}. Two structures in one pager must claim slots that do not overlap; a store refuses to
   * open on slots holding something else.
   *
   * @param first the first slot, from 0 to {@link Transaction#ROOT_SLOTS} - 4
   * @return the changed options
   * @throws IllegalArgumentException when the four slots do not all exist
   */
  public KvOptions withRootSlot(int first) {
    RootSlots.check(first);
    return new KvOptions(first, verifiedReads);
  }

  /**
   * Returns these options with reads that check every node they visit against the CRC32C its
   * parent recorded at commit (the root against its root value), and throw {@link
   * KvCorruptException} on a mismatch. A lookup then copies and checksums each node on its path
   * whole (on the order of 100 ns per cached 4 KiB node). Off, a read checks each node's magic
   * and level only; {@link KvStore#verify()} checks everything either way. Overflow runs are
   * checked on every read of a value.
   *
   * @param verified true to check
   * @return the changed options
   */
  public KvOptions withVerifiedReads(boolean verified) {
    return new KvOptions(rootSlot, verified);
  }

  /**
   * Returns the first root slot the store claims.
   *
   * @return the slot
   */
  public int rootSlot() {
    return rootSlot;
  }

  /**
   * Tells whether reads check node checksums.
   *
   * @return true when they do
   */
  public boolean verifiedReads() {
    return verifiedReads;
  }

  @Override
  public String toString() {
    return "KvOptions[rootSlots=" + rootSlot + "-" + (rootSlot + RootSlots.COUNT - 1) + ", verifiedReads="
        + verifiedReads + "]";
  }
}
