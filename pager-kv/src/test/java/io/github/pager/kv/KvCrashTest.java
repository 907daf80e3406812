package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PagerUnavailableException;
import io.github.pager.core.TreeReport;
import io.github.pager.testkit.CrashExpectation;
import io.github.pager.testkit.CrashExploration;
import io.github.pager.testkit.CrashExplorer;
import io.github.pager.testkit.CrashOperation;
import io.github.pager.testkit.FaultPlan;
import io.github.pager.testkit.ModelWorkload;
import io.github.pager.testkit.PagerTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The store under power loss, through pager-testkit's crash explorer: write transactions of a
 * few puts and deletes, rollbacks, reads on a snapshot while the writer commits, reopens and
 * restarts, crashed before and after every storage call, with several post-crash images per
 * point (pages old, new or torn at 512-byte sectors), under the kit's fault classes.
 *
 * <p>After every crash the file must open, the pager's and the store's {@code verify()} must be
 * clean, every allocated page must be one the store reaches (nothing leaks), and the entries must
 * equal the acknowledged commit's or the one in flight's, each value whole. The model holds a
 * short descriptor per key ({@code "s<stamp>L<length>"}); the stored value is the descriptor
 * followed by filler derived from it, so a value mixed from two versions, or cut short, shows.
 *
 * <p>On 1 KiB pages a leaf holds about 20 of these entries and a value over about 300 bytes
 * spills into an overflow run; the workload starts with 40 entries (a tree of height 2) and
 * draws one value in eight long enough to spill.
 */
class KvCrashTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024);
  private static final int ROUNDS = CrashExplorer.soak() ? 20 : 2;
  private static final long BASE_SEED = CrashExplorer.defaultSeed();
  private static final int KEYS = 60;

  /** The store in a pager; after a crash, checks everything and reads every entry back. */
  static final class Target extends PagerTarget<NavigableMap<String, String>> {
    Target(PagerOptions options) {
      super(options);
    }

    @Override
    public NavigableMap<String, String> emptyState() {
      return Collections.emptyNavigableMap();
    }

    @Override
    public NavigableMap<String, String> recover(CrashExpectation<NavigableMap<String, String>> expected)
        throws IOException {
      Pager pager = pager();
      TreeReport pagerReport = pager.verify();
      if (!pagerReport.isClean()) {
        throw new AssertionError("free-space tree problems: " + pagerReport.problems());
      }
      KvStore store = KvStore.on(pager);
      KvVerifyReport report = store.verify();
      if (!report.isClean()) {
        throw new AssertionError("store problems: " + report.problems());
      }
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      if (!allocated.equals(report.pages())) {
        throw new AssertionError("allocated pages " + allocated + " are not the store's pages " + report.pages());
      }
      return expected.require(read(store));
    }

    @Override
    public void afterFailure(IOException failure, NavigableMap<String, String> state) throws IOException {
      if (failure instanceof PagerUnavailableException && isOpen()) {
        try {
          KvStore.on(pager()).beginWrite().close();
          throw new AssertionError("a write transaction began after a failed sync");
        } catch (PagerUnavailableException expected) {
          // refused, as it must be
        }
      }
    }
  }

  /** Every entry, each value checked whole and turned back into its descriptor. */
  static NavigableMap<String, String> read(KvStore store) throws IOException {
    TreeMap<String, String> entries = new TreeMap<>();
    try (KvReadTransaction read = store.beginRead()) {
      KvCursor cursor = read.cursor();
      for (boolean on = cursor.first(); on; on = cursor.next()) {
        String key = new String(cursor.key(), StandardCharsets.US_ASCII);
        entries.put(key, descriptorOf(key, cursor.value()));
      }
      if (read.size() != entries.size()) {
        throw new AssertionError("the store counts " + read.size() + " entries, its cursor finds " + entries.size());
      }
    }
    return Collections.unmodifiableNavigableMap(entries);
  }

  // ---------------------------------------------------------------------------------------------
  // Values: a descriptor, then filler that follows from it

  static byte[] valueOf(String descriptor) {
    int length = Integer.parseInt(descriptor.substring(descriptor.indexOf('L') + 1));
    byte[] value = new byte[length];
    byte[] head = (descriptor + "|").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, value, 0, Math.min(head.length, length));
    SplittableRandom filler = new SplittableRandom(descriptor.hashCode());
    for (int i = head.length; i < length; i++) {
      value[i] = (byte) filler.nextInt(256);
    }
    return value;
  }

  private static String descriptorOf(String key, byte[] value) {
    String text = new String(value, 0, Math.min(value.length, 24), StandardCharsets.US_ASCII);
    int end = text.indexOf('|');
    String descriptor = end < 0 ? text : text.substring(0, end);
    if (!descriptor.matches("s-?\\d+L\\d+") || !java.util.Arrays.equals(value, valueOf(descriptor))) {
      throw new AssertionError("the value of " + key + " (" + value.length + " bytes) is not whole: it begins " + text);
    }
    return descriptor;
  }

  // ---------------------------------------------------------------------------------------------
  // Operations

  private static String key(int index) {
    return String.format("k%02d", index);
  }

  private static String descriptor(SplittableRandom random) {
    int length = random.nextInt(8) == 0 ? 400 + random.nextInt(2200) : 12 + random.nextInt(40);
    return "s" + random.nextInt(1_000_000) + "L" + length;
  }

  /** One write transaction of {@code changes} puts and deletes (deletes of present keys only), committed. */
  static NavigableMap<String, String> change(
      Target target, NavigableMap<String, String> state, CrashOperation.Step<NavigableMap<String, String>> step,
      int changes) throws IOException {
    SplittableRandom random = step.random();
    TreeMap<String, String> next = new TreeMap<>(state);
    try (KvWriteTransaction tx = KvStore.on(target.pager()).beginWrite()) {
      for (int i = 0; i < changes; i++) {
        String key = key(random.nextInt(KEYS));
        if (next.containsKey(key) && random.nextInt(3) == 0) {
          tx.delete(key.getBytes(StandardCharsets.US_ASCII));
          next.remove(key);
        } else {
          String descriptor = descriptor(random);
          tx.put(key.getBytes(StandardCharsets.US_ASCII), valueOf(descriptor));
          next.put(key, descriptor);
        }
      }
      NavigableMap<String, String> result = Collections.unmodifiableNavigableMap(next);
      step.inFlight(result);
      tx.commit();
      return result;
    }
  }

  private static final CrashOperation<NavigableMap<String, String>, Target> SET_UP =
      (target, state, step) -> change(target, state, step, 40);

  private static final CrashOperation<NavigableMap<String, String>, Target> BATCH =
      (target, state, step) -> change(target, state, step, 1 + step.random().nextInt(6));

  /** Puts and deletes, then closes uncommitted: nothing may change, whatever the transaction wrote. */
  private static final CrashOperation<NavigableMap<String, String>, Target> ROLLBACK = (target, state, step) -> {
    SplittableRandom random = step.random();
    KvStore store = KvStore.on(target.pager());
    try (KvWriteTransaction tx = store.beginWrite()) {
      int changes = 1 + random.nextInt(6);
      for (int i = 0; i < changes; i++) {
        byte[] key = key(random.nextInt(KEYS)).getBytes(StandardCharsets.US_ASCII);
        if (random.nextBoolean()) {
          tx.delete(key);
        } else {
          tx.put(key, valueOf(descriptor(random)));
        }
      }
    }
    NavigableMap<String, String> read = read(store);
    if (!read.equals(state)) {
      throw new AssertionError("a rolled-back transaction changed the store");
    }
    return state;
  };

  /** A read transaction taken before two commits still reads the state it was taken at. */
  private static final CrashOperation<NavigableMap<String, String>, Target> READ_WHILE_WRITING =
      (target, state, step) -> {
        KvStore store = KvStore.on(target.pager());
        try (KvReadTransaction before = store.beginRead()) {
          NavigableMap<String, String> next = state;
          for (int i = 0; i < 2; i++) {
            next = change(target, next, step, 1 + step.random().nextInt(4));
            step.acknowledge(next);
          }
          TreeMap<String, String> seen = new TreeMap<>();
          KvCursor cursor = before.cursor();
          for (boolean on = cursor.first(); on; on = cursor.next()) {
            String key = new String(cursor.key(), StandardCharsets.US_ASCII);
            seen.put(key, descriptorOf(key, cursor.value()));
          }
          if (!seen.equals(state)) {
            throw new AssertionError("a read transaction taken before two commits sees " + seen + ", not " + state);
          }
          return next;
        }
      };

  private static ModelWorkload<NavigableMap<String, String>, Target> workload(
      PagerOptions options, int operations, boolean withReopens) {
    List<CrashOperation<NavigableMap<String, String>, Target>> mix = new ArrayList<>(List.of(BATCH, BATCH, BATCH, ROLLBACK, READ_WHILE_WRITING));
    if (withReopens) {
      mix.add(CrashOperation.reopen());
      mix.add(CrashOperation.restart());
    }
    return ModelWorkload.of(() -> new Target(options), operations, mix).startingWith(List.of(SET_UP));
  }

  private static void explore(String name, PagerOptions options, int operations, long seedOffset, FaultPlan faults,
      boolean withReopens) {
    long states = 0;
    for (int round = 0; round < ROUNDS; round++) {
      long seed = BASE_SEED + seedOffset * 1000 + round;
      ModelWorkload<NavigableMap<String, String>, Target> workload = workload(options, operations, withReopens);
      CrashExploration result = CrashExplorer.of(name, workload, workload.check())
          .withSeed(seed)
          .withFaults(faults.withSeed(seed))
          .explore()
          .assertNoViolations();
      states += result.crashStates();
    }
    assertThat(states).as("crash states checked").isPositive();
  }

  @Test
  void survivesPowerLossAtEveryPoint() {
    explore("kv", OPTIONS, 20, 1, FaultPlan.none(), false);
  }

  @Test
  void survivesRestartsAndWriteback() {
    explore("kv, restarts", OPTIONS, 20, 2, FaultPlan.none().withWritebackProbability(0.5), true);
  }

  @Test
  void survivesFailedSyncsAndAFullDisk() {
    explore("kv, failed syncs", OPTIONS, 20, 3,
        FaultPlan.none().failingSyncWithProbability(0.05).failingExtendWithProbability(0.1), true);
  }

  @Test
  void survivesFailedMaps() {
    explore("kv, failed maps", OPTIONS, 20, 4, FaultPlan.none().failingMapWithProbability(0.2), true);
  }

  /** A disk whose torn writes garble sectors they did not change: safe with pages of the OS page's size. */
  @Test
  void survivesTornWritesWithoutPowersafeOverwriteOnPagesOfTheOsPageSize() {
    explore("kv, no powersafe overwrite", PagerOptions.defaults().withPageSize(4096), 12, 5,
        FaultPlan.none().violatingPowersafeOverwrite(), false);
  }

  @AfterAll
  static void printTotal() {
    System.out.println("[crash explorer] crash states checked in this JVM so far: "
        + CrashExplorer.crashStatesCheckedInThisJvm());
  }
}
