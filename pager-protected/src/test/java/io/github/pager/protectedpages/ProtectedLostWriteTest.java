package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.FaultPlan;
import io.github.pager.testkit.SimulatedStorage;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A protected page rewritten in a commit whose first sync loses one of its writes (the new copy,
 * the directory node or the free-space leaf, whichever the seed picks), then a power loss. Every
 * outcome must be detected or whole: the page reads a version some commit acknowledged, verified,
 * at a generation that had it, or the read fails naming the damage. Never other bytes, and never
 * the old version at the generation of the new one.
 */
class ProtectedLostWriteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults();
  private static final int BASE = 2;

  /** What a reopened file showed. */
  private enum Outcome {
    /** The tree lost a node: open used the commit before, whose version reads verified. */
    FELL_BACK,
    /** A read failed with a checksum error naming the damage. */
    DETECTED,
    /** Nothing the commit needed was lost (the record's own sync is separate); reads the new version. */
    INTACT
  }

  @Test
  void aLostWriteUnderAProtectedRewriteIsDetectedOrWhole() throws IOException {
    Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
    for (long seed = 0; seed < 24; seed++) {
      seen.add(rewriteLosingAWrite(seed));
    }
    // Over two dozen seeds every page of the sync is picked at least once.
    assertThat(seen).as("outcomes").contains(Outcome.FELL_BACK, Outcome.DETECTED);
  }

  private static Outcome rewriteLosingAWrite(long seed) throws IOException {
    // Syncs 0 and 1 create the file, 2 and 3 allocate the page, 4 and 5 write version 1; the
    // write of version 2 syncs its new pages at 6.
    SimulatedStorage storage =
        SimulatedStorage.builder().faults(FaultPlan.none().withSeed(seed).losingWriteAtSync(6)).build();
    Pager writer = Pager.create(storage, OPTIONS);
    ProtectedPageAllocator pages = ProtectedPageAllocator.open(writer, BASE);
    byte[] first = filled(pages.pageSize(), (byte) 1);
    byte[] second = filled(pages.pageSize(), (byte) 2);
    ProtectedPageId id = pages.alloc();
    write(pages, id, first);
    long firstGeneration = writer.generation();
    assertThat(storage.faultsFired()).as("nothing lost before the rewrite").isZero();
    write(pages, id, second);
    assertThat(storage.faultsFired()).as("one write lost by the rewrite's first sync").isEqualTo(1);
    assertThat(pages.get(id)).as("the page cache still holds version 2").isEqualTo(second);

    // The power goes out under the writer, which is not closed.
    try (Pager pager = Pager.open(storage.reboot(), OPTIONS)) {
      ProtectedPageAllocator reopened;
      byte[] read;
      try {
        reopened = ProtectedPageAllocator.open(pager, BASE);
        read = reopened.get(reopened.handle(id.value()));
      } catch (CorruptPageFileException e) {
        assertThat(pager.openedFromAlternate()).isFalse();
        return Outcome.DETECTED;
      }
      if (pager.openedFromAlternate()) {
        assertThat(pager.generation()).isEqualTo(firstGeneration);
        assertThat(read).as("seed %d: version 1 at its own generation", seed).isEqualTo(first);
        return Outcome.FELL_BACK;
      }
      assertThat(pager.generation()).isEqualTo(firstGeneration + 1);
      assertThat(read).as("seed %d: version 2 at its generation, verified", seed).isEqualTo(second);
      return Outcome.INTACT;
    }
  }

  private static void write(ProtectedPageAllocator pages, ProtectedPageId id, byte[] content) throws IOException {
    try (ProtectedPageWriter writer = pages.write(id)) {
      writer.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(content));
      writer.commit();
    }
  }

  private static byte[] filled(int size, byte value) {
    byte[] bytes = new byte[size];
    Arrays.fill(bytes, value);
    return bytes;
  }
}
