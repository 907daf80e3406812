package io.github.pager.kv;

import io.github.pager.core.RootClaim;
import io.github.pager.core.Transaction;
import java.util.Locale;
import java.util.function.IntToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * The four root values a store claims, from its first slot {@code s} on (see the README, "Root
 * values"):
 *
 * <pre>
 * s      TAG: "PGKV" in the high 32 bits, the format version (1) in the low 16
 * s + 1  the root node's page; 0 for an empty tree
 * s + 2  the root node's CRC32C in bits 0..31, the tree's height in bits 32..39
 * s + 3  the number of entries
 * </pre>
 *
 * <p>All four zero is a store never committed. Anything else in slot {@code s} is another
 * structure's, and the store refuses to open on it rather than misread it or write over it.
 * The tag is also what tells a tool that four slots without a claim hold a store ({@link
 * #holdsStore}).
 *
 * <p>Slots a claim of the root catalog covers are written through that claim (a claimed slot
 * refuses a plain {@link Transaction#setRoot(int, long)}): a named store's claim, or the claim of
 * exactly these slots that a store without a name found as its own.
 */
final class RootSlots {
  /** How many root values a store claims. */
  static final int COUNT = 4;

  static final long TAG_BASE = 0x50474B5600000000L;
  static final int FORMAT_VERSION = 1;
  static final long TAG = TAG_BASE | FORMAT_VERSION;

  private final int first;

  /** The claim the slots are written through, or null for slots no claim covers. */
  private final @Nullable RootClaim claim;

  /** Slots no claim covers. */
  RootSlots(int first) {
    check(first);
    this.first = first;
    this.claim = null;
  }

  /** The slots of a claim of kind {@value KvOptions#KIND}, written through it. */
  RootSlots(RootClaim claim) {
    check(claim.firstSlot());
    if (claim.slotCount() != COUNT) {
      throw new IllegalArgumentException(claim + " is not a key-value store's claim of " + COUNT + " slots");
    }
    this.first = claim.firstSlot();
    this.claim = claim;
  }

  /** Refuses a first slot whose four slots do not all exist. */
  static void check(int first) {
    if (first < 0 || first > Transaction.ROOT_SLOTS - COUNT) {
      throw new IllegalArgumentException(
          "a store needs root slots " + first + " to " + (first + COUNT - 1) + "; slots are [0, "
              + Transaction.ROOT_SLOTS + ")");
    }
  }

  int first() {
    return first;
  }

  /**
   * Reads the root as the slots hold it.
   *
   * @param slots the slot values of a commit or transaction
   * @param file names the file in messages
   * @throws IllegalStateException when the slots hold something that is not a store of this format
   */
  RootState read(IntToLongFunction slots, String file) {
    long tag = slots.applyAsLong(first);
    long page = slots.applyAsLong(first + 1);
    long meta = slots.applyAsLong(first + 2);
    long count = slots.applyAsLong(first + 3);
    if (tag == 0) {
      if (page != 0 || meta != 0 || count != 0) {
        throw new IllegalStateException(
            file + ": root slots " + describe() + " hold another structure's values (slot " + (first + 1) + " = "
                + page + "), not a key-value store");
      }
      return RootState.EMPTY;
    }
    if ((tag & 0xFFFFFFFF00000000L) != TAG_BASE) {
      throw new IllegalStateException(
          file + ": root slot " + first + " holds 0x" + Long.toHexString(tag).toUpperCase(Locale.ROOT)
              + ", not a key-value store's tag; slots " + describe() + " belong to another structure");
    }
    if (tag != TAG) {
      throw new IllegalStateException(
          file + ": the key-value store in root slots " + describe() + " has format version " + (tag & 0xFFFF)
              + "; this version reads " + FORMAT_VERSION);
    }
    int height = (int) ((meta >>> 32) & 0xFF);
    if ((page == 0) != (height == 0) || count < 0) {
      throw new IllegalStateException(
          file + ": root slots " + describe() + " are inconsistent: root page " + page + ", height " + height
              + ", " + count + " entries");
    }
    return new RootState(page, (int) meta, height, count);
  }

  /**
   * Tells whether the slots from {@code first} hold a store this version reads: its tag, and
   * root values consistent with it. A value an application keeps in a slot is not a store's tag
   * (the high 32 bits spell "PGKV"), so this never mistakes plain root values for a store.
   *
   * @param slots the slot values of a commit
   * @param first a first slot with four slots from it
   */
  static boolean holdsStore(IntToLongFunction slots, int first) {
    if (slots.applyAsLong(first) != TAG) {
      return false;
    }
    try {
      new RootSlots(first).read(slots, "");
      return true;
    } catch (IllegalStateException notAStore) {
      return false;
    }
  }

  /** Sets the slots to {@code root} in {@code tx}. */
  void write(Transaction tx, RootState root) {
    set(tx, 0, TAG);
    set(tx, 1, root.page());
    set(tx, 2, ((long) root.height() << 32) | Integer.toUnsignedLong(root.crc()));
    set(tx, 3, root.count());
  }

  private void set(Transaction tx, int index, long value) {
    if (claim == null) {
      tx.setRoot(first + index, value);
    } else {
      tx.setRoot(claim, index, value);
    }
  }

  String describe() {
    return first + "-" + (first + COUNT - 1);
  }
}
