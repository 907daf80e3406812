package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.PersistentBitmap;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.TreeReport;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.CrashExpectation;
import io.github.pager.testkit.CrashExploration;
import io.github.pager.testkit.CrashExplorer;
import io.github.pager.testkit.CrashOperation;
import io.github.pager.testkit.FaultPlan;
import io.github.pager.testkit.ModelWorkload;
import io.github.pager.testkit.PagerTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store's write transaction joined to a pager transaction that another structure changes too:
 * one commit for both, atomic across them, on a real file and under the crash explorer.
 */
class KvJoinedTransactionTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);
  private static final int BITMAP_SLOT = 24;
  private static final int COUNTER_SLOT = 28;

  @TempDir Path dir;

  @Test
  void aStoreAndOtherStructuresCommitInOneTransactionOrNotAtAll() throws IOException {
    Path path = dir.resolve("joined.pages");
    long page;
    try (Pager pager = Pager.create(path, FAST)) {
      KvStore orders = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      KvStore users = KvStore.on(pager, KvOptions.defaults().withName("users"));
      long before = pager.generation();
      try (Transaction tx = pager.begin()) {
        KvWriteTransaction kv = orders.join(tx);
        assertThat(orders.join(tx)).as("asked twice, the same").isSameAs(kv);
        kv.put(bytes("order 1"), bytes("ten apples"));
        users.join(tx).put(bytes("ann"), bytes("order 1"));
        tx.bitmap(BITMAP_SLOT).set(1);
        PageId blob = tx.alloc();
        pager.page(blob).putLong(0, 42);
        page = blob.index();
        tx.setRoot(COUNTER_SLOT, page);
        assertThat(kv.get(bytes("order 1"))).as("read your writes").isNotNull();
        assertThatThrownBy(kv::commit).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("commit that one");
        kv.close(); // does nothing: the pager transaction decides
        tx.commit();
        assertThatThrownBy(() -> kv.get(bytes("order 1"))).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("has ended");
      }
      assertThat(pager.generation()).as("one commit for all of it").isEqualTo(before + 1);
    }
    try (Pager pager = Pager.open(path, FAST)) {
      assertThat(KvStore.on(pager, KvOptions.defaults().withName("orders")).get(bytes("order 1")))
          .isEqualTo(bytes("ten apples"));
      assertThat(KvStore.on(pager, KvOptions.defaults().withName("users")).get(bytes("ann"))).isEqualTo(bytes("order 1"));
      assertThat(pager.readBitmap(BITMAP_SLOT).get(1)).isTrue();
      assertThat(pager.root(COUNTER_SLOT)).isEqualTo(page);
      assertThat(pager.page(page).getLong(0)).isEqualTo(42);

      // Closed uncommitted, the pager transaction takes the store's changes with it.
      KvStore orders = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      try (Transaction tx = pager.begin()) {
        orders.join(tx).put(bytes("order 2"), bytes("lost"));
        tx.bitmap(BITMAP_SLOT).set(2);
      }
      assertThat(orders.get(bytes("order 2"))).isNull();
      assertThat(pager.readBitmap(BITMAP_SLOT).get(2)).isFalse();

      // Rolling back a joined transaction rolls back the pager transaction, whole.
      try (Transaction tx = pager.begin()) {
        tx.setRoot(COUNTER_SLOT, 7);
        KvWriteTransaction kv = orders.join(tx);
        kv.put(bytes("order 3"), bytes("lost too"));
        kv.rollback();
        assertThat(tx.isOpen()).isFalse();
      }
      assertThat(pager.root(COUNTER_SLOT)).isEqualTo(page);
      assertThat(orders.size()).isEqualTo(1);
      assertThat(orders.verify().isClean()).isTrue();
    }
  }

  @Test
  void aChangeAfterTheStoreSealedForTheCommitIsRefusedNotCommittedUnsealed() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("late.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      store.put(bytes("a"), bytes("1"));
      try (Transaction tx = pager.begin()) {
        KvWriteTransaction kv = store.join(tx);
        kv.put(bytes("b"), bytes("2"));
        // Registered after the store's own step, so it runs after the store wrote its nodes and
        // their checksums: a change now would reach no page, or a page its parent's checksum
        // no longer matches.
        tx.beforeCommit(() -> kv.put(bytes("c"), bytes("3")));
        assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("sealed");
      }
      assertThat(store.get(bytes("b"))).as("the whole pager transaction rolled back").isNull();
      assertThat(store.size()).isEqualTo(1);
      assertThat(store.verify().isClean()).isTrue();
    }
  }

  @Test
  void aTransactionOfAnotherPagerIsRefused() throws IOException {
    try (Pager one = Pager.create(dir.resolve("one.pages"), FAST);
        Pager two = Pager.create(dir.resolve("two.pages"), FAST);
        Transaction tx = two.begin()) {
      assertThatThrownBy(() -> KvStore.on(one).join(tx)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("another pager");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Under the crash explorer: the model is the number of joined commits made.

  /**
   * After a crash: the store (named, so its claim committed with the first transaction), the
   * bitmap and the root value all say the same count, the acknowledged one or the one in flight,
   * and every allocated page belongs to one of them or to the catalog.
   */
  static final class Target extends PagerTarget<Long> {
    Target(PagerOptions options) {
      super(options);
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public Long recover(CrashExpectation<Long> expected) throws IOException {
      Pager pager = pager();
      TreeReport tree = pager.verify();
      if (!tree.isClean()) {
        throw new AssertionError("free-space tree problems: " + tree.problems());
      }
      KvStore store = KvStore.on(pager, KvOptions.defaults().withName("log"));
      KvVerifyReport report = store.verify();
      if (!report.isClean()) {
        throw new AssertionError("store problems: " + report.problems());
      }
      long count = store.size();
      long root = pager.root(COUNTER_SLOT);
      PersistentBitmap bits = pager.readBitmap(BITMAP_SLOT);
      long highest = -1;
      for (long bit = bits.nextSet(0); bit >= 0; bit = bits.nextSet(bit + 1)) {
        highest = bit;
      }
      if (count != root || (count == 0 ? highest != -1 : highest != count)) {
        throw new AssertionError("not one commit: the store holds " + count + " entries, the root value says " + root
            + ", the bitmap's highest bit is " + highest);
      }
      for (long i = 1; i <= count; i++) {
        byte[] value = store.get(key(i));
        if (!Arrays.equals(value, value(i))) {
          throw new AssertionError("entry " + i + " is not whole");
        }
      }
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      TreeSet<Long> owned = new TreeSet<>(report.pages());
      owned.addAll(bits.nodePages());
      if (RootCatalog.of(pager).exists()) {
        owned.addAll(pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).nodePages());
      }
      if (!owned.equals(allocated)) {
        throw new AssertionError("allocated pages " + allocated + " are not the structures' pages " + owned);
      }
      return expected.require(count);
    }
  }

  private static byte[] key(long i) {
    return bytes(String.format("entry %04d", i));
  }

  /** Every fifth value spills into an overflow run on 1 KiB pages. */
  private static byte[] value(long i) {
    return bytes(("value " + i + ";").repeat(i % 5 == 0 ? 60 : 2));
  }

  /** One pager transaction: an entry in the store, a bit in the bitmap and the root value, together. */
  private static final CrashOperation<Long, Target> JOINED_COMMIT = (target, state, step) -> {
    Pager pager = target.pager();
    long next = state + 1;
    KvStore store = KvStore.on(pager, KvOptions.defaults().withName("log"));
    try (Transaction tx = pager.begin()) {
      store.join(tx).put(key(next), value(next));
      tx.bitmap(BITMAP_SLOT).set(next);
      if (state > 0) {
        tx.bitmap(BITMAP_SLOT).clear(state);
      }
      tx.setRoot(COUNTER_SLOT, next);
      step.inFlight(next);
      tx.commit();
    }
    return next;
  };

  private static final CrashOperation<Long, Target> JOINED_ROLLBACK = (target, state, step) -> {
    Pager pager = target.pager();
    try (Transaction tx = pager.begin()) {
      KvStore.on(pager, KvOptions.defaults().withName("log")).join(tx).put(key(state + 1), value(state + 1));
      tx.setRoot(COUNTER_SLOT, -1);
    }
    return state;
  };

  @Test
  void survivesPowerLossAtEveryPointOfJoinedCommits() {
    long states = 0;
    int rounds = CrashExplorer.soak() ? 10 : 1;
    for (int round = 0; round < rounds; round++) {
      long seed = CrashExplorer.defaultSeed() + 7000 + round;
      ModelWorkload<Long, Target> workload = ModelWorkload.of(
          () -> new Target(PagerOptions.defaults().withPageSize(1024)), 12,
          List.of(JOINED_COMMIT, JOINED_COMMIT, JOINED_COMMIT, JOINED_ROLLBACK, CrashOperation.reopen()));
      CrashExploration result = CrashExplorer.of("kv joined", workload, workload.check())
          .withSeed(seed)
          .withFaults(FaultPlan.none().withWritebackProbability(0.5).withSeed(seed))
          .explore()
          .assertNoViolations();
      states += result.crashStates();
    }
    assertThat(states).as("crash states checked").isPositive();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
