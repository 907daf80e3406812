package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PagerUnavailableException;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The crash suite of the structures kept under root values: a {@link PersistentBitmap} and a
 * {@link PersistentArray} of 32-byte records, changed in transactions of their own or together,
 * crashed before and after every storage call, with trees of height 3.
 *
 * <p>At 1 KiB pages a bitmap leaf holds 8,064 bits and a level-1 node spans 508,032; a leaf of
 * 32-byte records holds 31 and a level-1 node spans 1,953. The workload draws bits and record
 * indexes from fixed candidates spread across three levels (the first transaction sets the
 * farthest, so both trees are of height 3 from the start), so the check can read every slot the
 * workload could have touched.
 *
 * <p>After every crash the image must open; {@link Pager#verify()} and both structures' own
 * verify must be clean; the bits and records must equal the acknowledged or the in-flight state
 * wholly, each record whole (its four words agree); and every allocated page must be a node of
 * exactly one of the two structures (nothing leaks, nothing is shared).
 */
class StructureCrashSuiteTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int BITMAP_SLOT = 4;
  private static final int ARRAY_SLOT = 8;
  private static final int RECORD_SIZE = 32;
  private static final int ROUNDS = CrashExplorer.soak() ? 100 : 10;
  private static final long BASE_SEED = CrashExplorer.defaultSeed();

  /** Bits in leaves 0, 1, 2, 62, 63, 74 and 136, under three level-1 nodes. */
  private static final long[] BITS = {0, 1, 63, 64, 8063, 8064, 9000, 20_000, 508_031, 508_032, 600_000, 1_100_000};

  /** Records in leaves 0, 1, 2, 16, 62, 63, 64, 125 and 129, under three level-1 nodes. */
  private static final long[] RECORDS = {0, 1, 30, 31, 62, 500, 1952, 1953, 2000, 2001, 4000, 3905};

  /** What must survive: the set bits, and each record's value (a record is derived from it). */
  record State(NavigableSet<Long> bits, NavigableMap<Long, Long> records) {
    static final State EMPTY = new State(new TreeSet<>(), new TreeMap<>());

    State {
      bits = Collections.unmodifiableNavigableSet(new TreeSet<>(bits));
      records = Collections.unmodifiableNavigableMap(new TreeMap<>(records));
    }
  }

  /** A record's four words, all derived from its value and index, so a mix of two shows. */
  static long[] record(long index, long value) {
    return new long[] {value, ~value, value * 31 + index, index};
  }

  /** The pager, and the counter of crash states with tall trees when it serves the check. */
  private static final class Target extends PagerTarget<State> {
    private final @Nullable LongAdder tallStates;

    Target(@Nullable LongAdder tallStates) {
      super(OPTIONS);
      this.tallStates = tallStates;
    }

    @Override
    public State emptyState() {
      return State.EMPTY;
    }

    /**
     * Verifies the pager and both structures, requires every allocated page to be a node of
     * exactly one of them, and reads every candidate bit and record.
     */
    @Override
    public State recover(CrashExpectation<State> expected) throws IOException {
      Pager open = pager();
      TreeReport report = open.verify();
      if (!report.isClean()) {
        throw new AssertionError("free-space tree problems: " + report.problems());
      }
      PersistentBitmap bitmap = open.readBitmap(BITMAP_SLOT);
      PersistentArray array = open.readArray(ARRAY_SLOT, RECORD_SIZE);
      List<String> problems = new ArrayList<>(bitmap.verify());
      problems.addAll(array.verify());
      if (!problems.isEmpty()) {
        throw new AssertionError("structure problems: " + problems);
      }
      Set<Long> bitmapPages = bitmap.nodePages();
      Set<Long> arrayPages = array.nodePages();
      TreeSet<Long> shared = new TreeSet<>(bitmapPages);
      shared.retainAll(arrayPages);
      TreeSet<Long> owned = new TreeSet<>(bitmapPages);
      owned.addAll(arrayPages);
      TreeSet<Long> allocated = new TreeSet<>();
      open.forEachAllocated(id -> allocated.add(id.index()));
      if (!shared.isEmpty() || !allocated.equals(owned)) {
        throw new AssertionError("allocated pages " + allocated + " are not the structures' nodes (bitmap "
            + bitmapPages + ", array " + arrayPages + ")");
      }
      if (tallStates != null && isTall(open, BITMAP_SLOT) && isTall(open, ARRAY_SLOT)) {
        tallStates.increment();
      }
      return expected.require(read(open));
    }

    @Override
    public void afterFailure(IOException failure, State state) throws IOException {
      if (failure instanceof PagerUnavailableException && isOpen()) {
        try {
          pager().begin().close();
          throw new AssertionError("a transaction began after a failed sync");
        } catch (PagerUnavailableException expected) {
          // refused, as it must be
        }
      }
    }

    /** A root of height 2 or more, from the structure's second root value (FORMAT.md). */
    private static boolean isTall(Pager pager, int slot) {
      return pager.root(slot) != 0 && ((pager.root(slot + 1) >>> 32) & 0xFF) >= 2;
    }
  }

  /** Transactions on the bitmap, the array or both, after a set-up that makes both trees tall. */
  private static ModelWorkload<State, Target> workload(
      @Nullable LongAdder tallStates, int operations, boolean withReopens) {
    List<CrashOperation<State, Target>> mix = new ArrayList<>();
    mix.add((target, state, step) -> change(false, true, false, target.pager(), state, step));
    mix.add((target, state, step) -> change(false, false, true, target.pager(), state, step));
    mix.add((target, state, step) -> change(false, true, true, target.pager(), state, step));
    if (withReopens) {
      mix.add(CrashOperation.reopen());
      mix.add(CrashOperation.restart());
    }
    return ModelWorkload.of(() -> new Target(tallStates), operations, mix)
        .startingWith(List.of((target, state, step) -> change(true, true, true, target.pager(), state, step)));
  }

  /** One transaction: toggles bits, writes or erases records, or both; the set-up sets the farthest. */
  private static State change(
      boolean setUp, boolean changeBits, boolean changeRecords, Pager pager, State state, CrashOperation.Step<State> step)
      throws IOException {
    SplittableRandom random = step.random();
    TreeSet<Long> bits = new TreeSet<>(state.bits());
    TreeMap<Long, Long> records = new TreeMap<>(state.records());
    try (Transaction tx = pager.begin()) {
      if (changeBits) {
        PersistentBitmap bitmap = tx.bitmap(BITMAP_SLOT);
        int count = setUp ? 1 : 1 + random.nextInt(4);
        for (int k = 0; k < count; k++) {
          long bit = setUp ? BITS[BITS.length - 1] : BITS[random.nextInt(BITS.length)];
          if (bits.remove(bit)) {
            bitmap.clear(bit);
          } else {
            bitmap.set(bit);
            bits.add(bit);
          }
        }
      }
      if (changeRecords) {
        PersistentArray array = tx.array(ARRAY_SLOT, RECORD_SIZE);
        int count = setUp ? 1 : 1 + random.nextInt(3);
        for (int k = 0; k < count; k++) {
          long index = setUp ? RECORDS[RECORDS.length - 1] : RECORDS[random.nextInt(RECORDS.length)];
          if (records.containsKey(index) && random.nextInt(3) == 0) {
            array.set(index, new long[RECORD_SIZE / 8]);
            records.remove(index);
          } else {
            long value = random.nextLong() | 1;
            array.set(index, record(index, value));
            records.put(index, value);
          }
        }
      }
      State next = new State(bits, records);
      step.inFlight(next);
      tx.commit();
      return next;
    }
  }

  /** Reads every candidate bit and record; any bit set elsewhere, or a record not whole, fails. */
  private static State read(Pager pager) throws IOException {
    PersistentBitmap bitmap = pager.readBitmap(BITMAP_SLOT);
    TreeSet<Long> bits = new TreeSet<>();
    for (long bit = bitmap.nextSet(0); bit >= 0; bit = bitmap.nextSet(bit + 1)) {
      bits.add(bit);
    }
    Set<Long> candidates = new HashSet<>();
    for (long bit : BITS) {
      candidates.add(bit);
    }
    if (!candidates.containsAll(bits)) {
      throw new AssertionError("bits set that the workload never set: " + bits);
    }
    PersistentArray array = pager.readArray(ARRAY_SLOT, RECORD_SIZE);
    TreeMap<Long, Long> records = new TreeMap<>();
    for (long index : RECORDS) {
      long[] words = array.get(index);
      if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0) {
        continue;
      }
      if (!java.util.Arrays.equals(words, record(index, words[0]))) {
        throw new AssertionError("record " + index + " is not whole: " + java.util.Arrays.toString(words));
      }
      records.put(index, words[0]);
    }
    return new State(bits, records);
  }

  // ---------------------------------------------------------------------------------------------

  private static void explore(String name, int operations, long seedOffset, FaultPlan faults, boolean withReopens) {
    long checked = 0;
    LongAdder tall = new LongAdder();
    for (int round = 0; round < ROUNDS; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      CrashExploration result = CrashExplorer.of(
              name, workload(null, operations, withReopens), workload(tall, operations, withReopens).check())
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .explore()
          .assertNoViolations();
      checked += result.crashStates();
    }
    assertThat(tall.sum()).as("crash states in which both trees were of height 2 or more, of " + checked)
        .isGreaterThan(checked / 2);
  }

  @Test
  void bitsAndRecords() {
    explore("bitmap and array", 25, 1, FaultPlan.none(), false);
  }

  @Test
  void withReopenRestartAndWriteback() {
    explore("bitmap and array, restarts", 25, 2, FaultPlan.none().withWritebackProbability(0.5), true);
  }

  @Test
  void withFailedSyncs() {
    explore("bitmap and array, failed syncs", 25, 3,
        FaultPlan.none().failingSyncWithProbability(0.05).failingExtendWithProbability(0.1), true);
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
