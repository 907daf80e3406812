package io.github.pager.kv;

import java.util.Arrays;

/**
 * The key a branch keeps between two leaves: the shortest prefix of the right leaf's first key
 * that sorts after the left leaf's last key. Every key of the left leaf is below it and every key
 * of the right leaf at or above it, which is all a search needs, and short separators keep
 * branches wide.
 */
final class Separator {
  private Separator() {}

  /**
   * Returns the separator.
   *
   * @param below the left leaf's last key
   * @param above the right leaf's first key, greater than {@code below}
   * @return a prefix of {@code above}, greater than {@code below}
   */
  static byte[] between(byte[] below, byte[] above) {
    int common = Arrays.mismatch(below, above);
    if (common < 0 || common >= above.length) {
      throw new IllegalArgumentException("keys out of order: separator between a key and one not above it");
    }
    return Arrays.copyOf(above, common + 1);
  }
}
