package io.github.pager.core;

import java.util.Objects;

/**
 * One entry of a file's {@link RootCatalog}: a structure's name, its kind, and the consecutive
 * root slots it owns.
 *
 * <p>The name says which structure ("orders", "sessions"); the kind says what code reads it
 * ("pager-kv", "pager-protected"), so that a tool can find the code that checks it (see {@link
 * StructureInspector}) and a structure opened as another kind is refused. Both are 1 to 32 and 1
 * to 24 bytes of printable ASCII without spaces (FORMAT.md, "Root catalog").
 *
 * @param name the structure's name, unique in the file
 * @param kind what kind of structure it is
 * @param firstSlot the first root slot it owns
 * @param slotCount how many consecutive root slots it owns, one or more
 */
public record RootClaim(String name, String kind, int firstSlot, int slotCount) {
  /** The longest name, in bytes ({@code CLAIM_NAME} in FORMAT.md). */
  public static final int MAX_NAME_LENGTH = 32;

  /** The longest kind, in bytes ({@code CLAIM_KIND} in FORMAT.md). */
  public static final int MAX_KIND_LENGTH = 24;

  /**
   * Checks the fields.
   *
   * @throws IllegalArgumentException when the name or kind is empty, too long or not printable
   *     ASCII without spaces, or the slots do not all exist
   */
  public RootClaim {
    checkText("name", name, MAX_NAME_LENGTH);
    checkText("kind", kind, MAX_KIND_LENGTH);
    checkRange(firstSlot, slotCount);
  }

  /**
   * Returns the last root slot it owns.
   *
   * @return {@code firstSlot + slotCount - 1}
   */
  public int lastSlot() {
    return firstSlot + slotCount - 1;
  }

  /**
   * Returns the {@code i}-th slot it owns.
   *
   * @param i from 0 to {@code slotCount - 1}
   * @return {@code firstSlot + i}
   * @throws IndexOutOfBoundsException when {@code i} is outside the claim
   */
  public int slot(int i) {
    Objects.checkIndex(i, slotCount);
    return firstSlot + i;
  }

  /**
   * Tells whether it owns a slot of {@code [first, first + count)}.
   *
   * @param first the first slot of a range
   * @param count slots in the range
   * @return true when the ranges share a slot
   */
  public boolean overlaps(int first, int count) {
    return first < firstSlot + slotCount && firstSlot < first + count;
  }

  /**
   * Tells whether it owns {@code slot}.
   *
   * @param slot a root slot
   * @return true when {@code firstSlot <= slot <= lastSlot()}
   */
  public boolean owns(int slot) {
    return slot >= firstSlot && slot <= lastSlot();
  }

  /** Where it lives and what it is, for messages: {@code "orders" (pager-kv, slots 0-3)}. */
  @Override
  public String toString() {
    return "\"" + name + "\" (" + kind + ", slots " + firstSlot + "-" + lastSlot() + ")";
  }

  static void checkText(String what, String text, int maxLength) {
    Objects.requireNonNull(text, what);
    if (text.isEmpty() || text.length() > maxLength) {
      throw new IllegalArgumentException(
          "a root claim's " + what + " has 1 to " + maxLength + " characters, not " + text.length() + ": \"" + text
              + "\"");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        throw new IllegalArgumentException(
            "a root claim's " + what + " is printable ASCII without spaces; \"" + text + "\" has character 0x"
                + Integer.toHexString(c) + " at " + i);
      }
    }
  }

  static void checkRange(int first, int count) {
    if (count < 1 || first < 0 || first + count > Format.ROOT_SLOTS) {
      throw new IllegalArgumentException(
          "a claim of " + count + " root slot(s) from slot " + first + " does not fit in slots [0, " + Format.ROOT_SLOTS
              + ")");
    }
  }
}
