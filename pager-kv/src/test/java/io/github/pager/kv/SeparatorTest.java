package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.testkit.CrashExplorer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A separator sorts after the left leaf's last key, at or before the right leaf's first, and is as short as that allows. */
class SeparatorTest {
  @Test
  void theSeparatorIsTheShortestPrefixOfTheUpperKeyAboveTheLowerOne() {
    long seed = CrashExplorer.defaultSeed();
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 20_000; round++) {
      byte[] a = key(random);
      byte[] b = key(random);
      int order = Arrays.compareUnsigned(a, b);
      if (order == 0) {
        continue;
      }
      byte[] below = order < 0 ? a : b;
      byte[] above = order < 0 ? b : a;
      byte[] separator = Separator.between(below, above);
      String where = "seed " + seed + ": " + Arrays.toString(below) + " / " + Arrays.toString(above);
      assertThat(Arrays.compareUnsigned(below, separator)).as(where).isNegative();
      assertThat(Arrays.compareUnsigned(separator, above)).as(where).isLessThanOrEqualTo(0);
      assertThat(separator).as(where).isEqualTo(Arrays.copyOf(above, separator.length));
      byte[] shorter = Arrays.copyOf(separator, separator.length - 1);
      assertThat(Arrays.compareUnsigned(below, shorter)).as(where + ": one byte shorter is not above").isNotNegative();
    }
  }

  @Test
  void keysOutOfOrderAreRefused() {
    assertThatThrownBy(() -> Separator.between(new byte[] {1, 2}, new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Separator.between(new byte[] {1}, new byte[] {1}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Separator.between(new byte[] {}, new byte[] {0})).containsExactly(0);
  }

  /** Short keys over few byte values, so that prefixes and near misses are common. */
  private static byte[] key(SplittableRandom random) {
    byte[] key = new byte[random.nextInt(6)];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (random.nextInt(3) * 127);
    }
    return key;
  }
}
