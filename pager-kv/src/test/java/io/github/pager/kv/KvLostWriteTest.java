package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.CorruptPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.FaultPlan;
import io.github.pager.testkit.SimulatedStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A store commit whose pages a lying device mishandles, then a power loss: a lost write (the
 * sync succeeds, one page keeps its old content) or a misdirected one (a page's new content lands
 * on another page, which the kit picks from the seed). Plain pages carry no checksum the pager
 * could check (FORMAT.md, "Recovery"); the store's do: each node's CRC32C sits in its parent (the
 * root's in a root value) and each overflow run's in its cell. So every outcome must be detected
 * or whole: {@link KvStore#verify()} names the damage, or the file opens at a state a commit
 * made (the commit before, when the pager falls back; the commit itself, when the damage missed
 * everything it needs), or the pager refuses the file. Never other entries, silently.
 *
 * <p>The first commit puts 200 entries (a tree of height 2 on 4 KiB pages); the second, whose
 * first sync (sync 4, after the two of create and the two of the first commit) the fault hits,
 * changes entries in three leaves and puts a value that spills over two overflow pages.
 */
class KvLostWriteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults();
  private static final int FIRST_SYNC_OF_SECOND_COMMIT = 4;

  /** What a reopened file showed. */
  private enum Outcome {
    /** The store's verify named a checksum failure. */
    DETECTED,
    /** The pager fell back to the commit before (a free-space tree page was lost): that commit's entries. */
    FELL_BACK,
    /** Nothing the second commit needs was hit: its entries. */
    INTACT,
    /** The pager refused the file (the damage hit what its fallback needed). */
    REFUSED
  }

  @Test
  void aLostWriteIsDetectedOrLeavesAWholeCommit() throws IOException {
    Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
    for (long seed = 0; seed < 24; seed++) {
      seen.add(commitThenPowerLoss(FaultPlan.none().withSeed(seed).losingWriteAtSync(FIRST_SYNC_OF_SECOND_COMMIT), seed));
    }
    System.out.println("[kv lost write] outcomes: " + seen);
    assertThat(seen).as("outcomes over 24 seeds").contains(Outcome.DETECTED, Outcome.FELL_BACK).doesNotContain(Outcome.REFUSED);
  }

  @Test
  void aMisdirectedWriteIsDetectedOrLeavesAWholeCommit() throws IOException {
    Set<Outcome> seen = EnumSet.noneOf(Outcome.class);
    for (long seed = 0; seed < 40; seed++) {
      seen.add(commitThenPowerLoss(
          FaultPlan.none().withSeed(seed).misdirectingWriteAtSync(FIRST_SYNC_OF_SECOND_COMMIT), seed));
    }
    System.out.println("[kv misdirected write] outcomes: " + seen);
    assertThat(seen).as("outcomes over 40 seeds").contains(Outcome.DETECTED);
  }

  private static Outcome commitThenPowerLoss(FaultPlan faults, long seed) throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().faults(faults).build();
    Pager writer = Pager.create(storage, OPTIONS); // not closed: the power goes out under it
    KvStore store = KvStore.on(writer);
    TreeMap<String, String> first = new TreeMap<>();
    try (KvWriteTransaction tx = store.beginWrite()) {
      for (int i = 0; i < 200; i++) {
        put(tx, first, String.format("key%03d", i), "first value of " + i);
      }
      tx.commit();
    }
    TreeMap<String, String> second = new TreeMap<>(first);
    try (KvWriteTransaction tx = store.beginWrite()) {
      put(tx, second, "key010", "second");
      put(tx, second, "key100", "second");
      put(tx, second, "key190", "second");
      put(tx, second, "key050", "x".repeat(6000));
      tx.commit();
    }
    assertThat(storage.faultsFired()).as("seed %d: the fault fired", seed).isEqualTo(1);

    Pager pager;
    try {
      pager = Pager.open(storage.reboot(), OPTIONS);
    } catch (CorruptPageFileException e) {
      return Outcome.REFUSED;
    }
    try (pager) {
      KvStore reopened = KvStore.on(pager);
      KvVerifyReport report = reopened.verify();
      if (!report.isClean()) {
        assertThat(report.problems()).as("seed %d", seed).anyMatch(problem -> problem.contains("checksum"));
        return Outcome.DETECTED;
      }
      Map<String, String> read = entries(reopened);
      if (pager.openedFromAlternate()) {
        assertThat(read).as("seed %d: the commit before", seed).isEqualTo(first);
        return Outcome.FELL_BACK;
      }
      assertThat(read).as("seed %d: the second commit", seed).isEqualTo(second);
      return Outcome.INTACT;
    }
  }

  private static void put(KvWriteTransaction tx, Map<String, String> model, String key, String value) throws IOException {
    tx.put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    model.put(key, value);
  }

  private static Map<String, String> entries(KvStore store) throws IOException {
    TreeMap<String, String> entries = new TreeMap<>();
    try (KvReadTransaction read = store.beginRead()) {
      KvCursor cursor = read.cursor();
      for (boolean on = cursor.first(); on; on = cursor.next()) {
        entries.put(new String(cursor.key(), StandardCharsets.UTF_8), new String(cursor.value(), StandardCharsets.UTF_8));
      }
    }
    return entries;
  }
}
