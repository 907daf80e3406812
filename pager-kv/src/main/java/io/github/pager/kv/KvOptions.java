package io.github.pager.kv;

import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.Transaction;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link KvStore} sits in its pager: which root values it uses, found by name in the
 * pager's {@link RootCatalog} or at fixed slots, and whether reads check node checksums.
 * Immutable; each {@code with} method returns a changed copy.
 *
 * <pre>{@code
 * KvOptions.defaults()                                  // fixed slots 16-19, no name
 * KvOptions.defaults().withName("orders")               // the lowest 4 free slots, claimed as "orders"
 * KvOptions.defaults().withName("orders").withRootSlot(4)   // slots 4-7, claimed as "orders"
 * }</pre>
 */
public final class KvOptions {
  /** The first of the four root slots a store uses by default: 16, so slots 16 to 19. */
  public static final int DEFAULT_ROOT_SLOT = 16;

  /** How many root slots a store uses, from its first. */
  public static final int ROOT_SLOTS_CLAIMED = RootSlots.COUNT;

  /** The kind a store claims its slots as in the root catalog: {@code "pager-kv"}. */
  public static final String KIND = "pager-kv";

  private final int rootSlot;
  private final boolean slotChosen;
  private final @Nullable String name;
  private final boolean verifiedReads;

  private KvOptions(int rootSlot, boolean slotChosen, @Nullable String name, boolean verifiedReads) {
    this.rootSlot = rootSlot;
    this.slotChosen = slotChosen;
    this.name = name;
    this.verifiedReads = verifiedReads;
  }

  /**
   * Returns the defaults: root slots 16 to 19 without a name, reads that check each node's magic
   * and level but not its checksum.
   *
   * @return the defaults
   */
  public static KvOptions defaults() {
    return new KvOptions(DEFAULT_ROOT_SLOT, false, null, false);
  }

  /**
   * Returns these options with the store's root values at slots {@code first} to {@code first +
   * 3}. Without a name, the store refuses slots that a claim of another structure covers in the
   * root catalog, and slots holding values that are not a store's; with a name, it claims exactly
   * these slots under it.
   *
   * @param first the first slot, from 0 to {@link Transaction#ROOT_SLOTS} - 4
   * @return the changed options
   * @throws IllegalArgumentException when the four slots do not all exist
   */
  public KvOptions withRootSlot(int first) {
    RootSlots.check(first);
    return new KvOptions(first, true, name, verifiedReads);
  }

  /**
   * Returns these options with the store found by name: its four root slots are claimed under
   * {@code name} in the pager's {@link RootCatalog}, by the store's first write transaction,
   * where four consecutive slots are free (or where {@link #withRootSlot} says). Another
   * structure cannot then take them, and tools name the store. A reopen, another process and
   * {@code pager verify} find it by the name.
   *
   * @param name 1 to {@value RootClaim#MAX_NAME_LENGTH} characters of printable ASCII without spaces
   * @return the changed options
   * @throws IllegalArgumentException when the name is not such
   */
  public KvOptions withName(String name) {
    new RootClaim(name, KIND, 0, RootSlots.COUNT); // checks the name
    return new KvOptions(slotChosen ? rootSlot : DEFAULT_ROOT_SLOT, slotChosen, name, verifiedReads);
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
    return new KvOptions(rootSlot, slotChosen, name, verified);
  }

  /**
   * Returns the first root slot the store uses: the one {@link #withRootSlot} chose, or 16; a
   * named store without a chosen slot finds its slots in the catalog instead.
   *
   * @return the slot
   */
  public int rootSlot() {
    return rootSlot;
  }

  /**
   * Tells whether the slots are fixed: chosen with {@link #withRootSlot}, or the default ones of
   * a store without a name.
   *
   * @return true when the store lives at {@link #rootSlot()}
   */
  public boolean fixedSlots() {
    return slotChosen || name == null;
  }

  /**
   * Returns the name the store claims its slots under.
   *
   * @return the name, or null for a store at fixed slots without a claim
   */
  public @Nullable String name() {
    return name;
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
    String slots = fixedSlots() ? "rootSlots=" + rootSlot + "-" + (rootSlot + RootSlots.COUNT - 1) : "rootSlots=claimed";
    return "KvOptions[" + (name == null ? "" : "name=" + name + ", ") + slots + ", verifiedReads=" + verifiedReads + "]";
  }
}
