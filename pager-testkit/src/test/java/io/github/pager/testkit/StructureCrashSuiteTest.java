package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.GrowFailedException;
import io.github.pager.core.NotAPageFileException;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PagerUnavailableException;
import io.github.pager.core.PersistentArray;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.Transaction;
import io.github.pager.core.TreeReport;
import io.github.pager.core.TruncatedPageFileException;
import java.io.IOException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
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

  enum Operation {
    BITS,
    RECORDS,
    BOTH,
    REOPEN,
    RESTART
  }

  static CrashWorkload<State> workload(int operations, List<Operation> mix) {
    return context -> {
      SplittableRandom random = context.random();
      State state = State.EMPTY;
      context.inFlight(state);
      Pager created;
      try {
        created = Pager.create(context.storage(), OPTIONS);
      } catch (IOException e) {
        context.failed();
        return;
      }
      context.acknowledge(state);
      Pager pager = created;
      boolean abandoned = false;
      try {
        for (int i = -1; i < operations; i++) {
          Operation operation = i < 0 ? Operation.BOTH : mix.get(random.nextInt(mix.size()));
          try {
            if (operation == Operation.REOPEN || operation == Operation.RESTART) {
              context.inFlight(state);
              if (operation == Operation.REOPEN) {
                pager.close();
              }
              abandoned = true;
              pager = Pager.open(context.restart(), OPTIONS);
              abandoned = false;
              State reopened = read(pager);
              if (!reopened.equals(state)) {
                throw new AssertionError("reopened without a crash as " + reopened + ", not " + state);
              }
            } else {
              state = change(operation, i < 0, pager, state, context, random);
            }
            context.acknowledge(state);
          } catch (GrowFailedException e) {
            context.rolledBack();
          } catch (IOException e) {
            // A failed sync: the poisoned pager must refuse, and a reopen after a reboot must
            // find the acknowledged or the in-flight state, from which the workload goes on.
            context.failed();
            if (e instanceof PagerUnavailableException && !abandoned) {
              try {
                pager.begin().close();
                throw new AssertionError("a transaction began after a failed sync");
              } catch (PagerUnavailableException expected) {
                // refused, as it must be
              }
            }
            if (!abandoned) {
              pager.close();
            }
            abandoned = true;
            try {
              pager = Pager.open(context.reboot(), OPTIONS);
            } catch (IOException reopening) {
              context.failed();
              return;
            }
            abandoned = false;
            State recovered = read(pager);
            if (!new CrashExpectation<>(context.acknowledged(), context.inFlight()).allows(recovered)) {
              throw new AssertionError("reopened after a failed sync at " + recovered + ", neither "
                  + context.acknowledged() + " nor " + context.inFlight());
            }
            state = recovered;
            context.inFlight(state);
            context.acknowledge(state);
          }
        }
        context.inFlight(state);
        try {
          pager.close();
          context.acknowledge(state);
        } catch (IOException e) {
          context.failed();
        }
      } catch (IOException | RuntimeException | AssertionError e) {
        if (!abandoned) {
          try {
            pager.close();
          } catch (IOException | RuntimeException closing) {
            e.addSuppressed(closing);
          }
        }
        throw e;
      }
    };
  }

  /** One transaction: toggles bits, writes or erases records, or both; the set-up sets the farthest. */
  private static State change(
      Operation operation, boolean setUp, Pager pager, State state, CrashContext<State> context, SplittableRandom random)
      throws IOException {
    TreeSet<Long> bits = new TreeSet<>(state.bits());
    TreeMap<Long, Long> records = new TreeMap<>(state.records());
    try (Transaction tx = pager.begin()) {
      if (operation != Operation.RECORDS) {
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
      if (operation != Operation.BITS) {
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
      context.inFlight(next);
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

  /** The check, counting the states in which both trees have a root of height 2 or more. */
  private static final class Check implements CrashCheck<State> {
    final LongAdder tallStates = new LongAdder();

    @Override
    public void check(SimulatedStorage crashed, CrashExpectation<State> expected) throws IOException {
      Pager pager;
      try {
        pager = Pager.open(crashed, OPTIONS);
      } catch (NotAPageFileException | TruncatedPageFileException e) {
        if (expected.acknowledged() == null) {
          return;
        }
        throw new AssertionError("the file no longer opens although commits were acknowledged: " + e, e);
      }
      try (pager) {
        TreeReport report = pager.verify();
        if (!report.isClean()) {
          throw new AssertionError("free-space tree problems: " + report.problems());
        }
        PersistentBitmap bitmap = pager.readBitmap(BITMAP_SLOT);
        PersistentArray array = pager.readArray(ARRAY_SLOT, RECORD_SIZE);
        List<String> problems = new java.util.ArrayList<>(bitmap.verify());
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
        pager.forEachAllocated(id -> allocated.add(id.index()));
        if (!shared.isEmpty() || !allocated.equals(owned)) {
          throw new AssertionError("allocated pages " + allocated + " are not the structures' nodes (bitmap "
              + bitmapPages + ", array " + arrayPages + ")");
        }
        State actual = read(pager);
        if (!expected.allows(actual)) {
          throw new AssertionError(
              "recovered " + actual + " is neither the acknowledged " + expected.acknowledged() + " nor the in-flight "
                  + expected.inFlight());
        }
        if (isTall(pager, BITMAP_SLOT) && isTall(pager, ARRAY_SLOT)) {
          tallStates.increment();
        }
      }
    }

    /** A root of height 2 or more, from the structure's second root value (FORMAT.md). */
    private static boolean isTall(Pager pager, int slot) {
      return pager.root(slot) != 0 && ((pager.root(slot + 1) >>> 32) & 0xFF) >= 2;
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static void explore(String name, int operations, long seedOffset, FaultPlan faults, Operation... mix) {
    List<Operation> operations0 = mix.length == 0 ? List.of(Operation.values()) : List.of(mix);
    long checked = 0;
    long tall = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      Check check = new Check();
      CrashExploration result = CrashExplorer.of(name, workload(operations, operations0), check)
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .explore()
          .assertNoViolations();
      checked += result.crashStates();
      tall += check.tallStates.sum();
    }
    assertThat(tall).as("crash states in which both trees were of height 2 or more, of " + checked)
        .isGreaterThan(checked / 2);
  }

  @Test
  void bitsAndRecords() {
    explore("bitmap and array", 25, 1, FaultPlan.none(), Operation.BITS, Operation.RECORDS, Operation.BOTH);
  }

  @Test
  void withReopenRestartAndWriteback() {
    explore("bitmap and array, restarts", 25, 2, FaultPlan.none().withWritebackProbability(0.5));
  }

  @Test
  void withFailedSyncs() {
    explore("bitmap and array, failed syncs", 25, 3,
        FaultPlan.none().failingSyncWithProbability(0.05).failingExtendWithProbability(0.1));
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
